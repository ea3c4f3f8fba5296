@echo off
rem WalkMe browser native-messaging host: the browser cannot pass arguments,
rem so this adds the subcommand and relays to the agent.
"%~dp0walkme-agent.exe" native-host %*
