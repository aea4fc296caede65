//! pyvet: vet Python dependencies before you install them.
//!
//! Data flows one way: `lockfile::load` -> `Vec<LockedPackage>` -> the `installset` (which
//! packages the installer would install on the target) -> `select` artifacts ->
//! `fetch` into the `cache` (verifying hashes) -> `archive` + `inspect`, `metadata`, `vulns` ->
//! `Vec<Finding>` -> `report::Report` -> a renderer. Package code is never executed.

pub mod archive;
pub mod audit;
pub mod cache;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diff;
pub mod error;
pub mod fetch;
pub mod finding;
pub mod fsutil;
pub mod guard;
pub mod hash;
pub mod index;
pub mod inspect;
pub mod installset;
pub mod lockfile;
pub mod metadata;
pub mod netrc;
pub mod network;
pub mod package;
pub mod pipconf;
pub mod policy;
pub mod project;
pub mod redact;
pub mod report;
pub mod resolve;
pub mod select;
pub mod suggest;
pub mod vulns;
