//! One module per group of commands, each with its arguments and its handler.

pub mod add;
pub mod demo;
mod demo_pki;
pub mod desk;
pub mod doctor;
pub mod export;
pub mod import;
pub mod keeping;
pub mod profile;
pub mod records;
pub mod share;
pub mod trust;
pub mod vault;
