// The compatibility check of scripts/clients.sh. The client it imports,
// prebuild-decider/clients/compat/decider, is generated from openapi-previous.json into ./decider
// of a copy of this folder by the script, and is not committed.
module prebuild-decider/clients/compat

go 1.23
