package server

// DummyHash is the hash an unknown email's password is checked against.
const DummyHash = dummyHash
