//! The consultation desk: a GP whose record software is down reads a patient's share on the
//! desk PC with only a browser. `carnet desk` starts this local web application; the page it
//! serves shows the doctor's hello, sends what the webcam, a keyboard-wedge scanner or an image
//! file reads back here, and shows the summary this program renders with the core's printable
//! page.
//!
//! Everything that matters happens in this process, through the core's public API: the hello's
//! session secret lives in its memory only (gone when the desk stops), frames are decoded and
//! the share opened and checked here, and nothing is written to disk unless the doctor saves.
//!
//! - [`guard`]: who may talk to it (loopback, the per-launch token, Host and Origin checks) and
//!   the headers every answer carries (a strict Content-Security-Policy among them);
//! - [`visit`]: one patient's reading, from the hello to the opened share and its receipt;
//! - [`server`]: the routes, from a request to an answer.

mod guard;
mod server;
mod visit;

pub use server::{Desk, DeskError, DeskOptions, EarlierSessions};
pub use visit::Outcome;
