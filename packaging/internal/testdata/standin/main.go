// Command standin stands in for walkme-agent in packaging tests: it prints
// its arguments, so a test can see how a package would start it.
package main

import (
	"fmt"
	"os"
)

func main() { fmt.Println(os.Args[1:]) }
