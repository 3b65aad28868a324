//! Integration tests through the router (in-process) and over a real socket.

mod architecture;
mod attack;
mod bad_input;
mod cli;
mod conformance;
mod endpoints;
mod forecast;
mod helpers;
mod openapi;
mod process;
mod production;
mod provenance;
mod socket;
mod upstream;
mod v2;
