// The Go programs of scripts/clients.sh. The client they import, prebuild-decider/clients/go/decider,
// is generated into ./decider of a copy of this folder by the script, and is not committed.
module prebuild-decider/clients/go

go 1.23
