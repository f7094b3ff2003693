//! The desk's routes: every request through [`Guard`], then one answer. One request at a
//! time (one doctor, one browser tab): the visit needs no lock held across a slow decode by
//! another request, and a hostile request cannot starve the page of more than one turn.
//!
//! Under `/t/<token>/`:
//!
//! | method | path               | answer                                                   |
//! |--------|--------------------|----------------------------------------------------------|
//! | GET    | (empty), `desk.js`, `desk.css`, `favicon.svg` | the page, its script, style and icon (embedded) |
//! | GET    | `hello.json`, `hello.svg`, `hello.txt` | this visit's hello: its expiry and who, its QR code, its text |
//! | POST   | `frame?w=W&h=H`    | a camera frame, W×H grey bytes → [`crate::Outcome`] as JSON     |
//! | POST   | `typed`            | what a keyboard-wedge scanner typed → [`crate::Outcome`]        |
//! | POST   | `image`            | an image file → [`crate::Outcome`]                              |
//! | POST   | `next`             | a new visit: a new hello, the last share dropped         |
//! | GET    | `visit.json`       | whether the share is read, what it held, whether a receipt can be shown |
//! | GET    | `summary?lang=fr`  | the printable page of the share (`summary.html`: to save) |
//! | GET    | `summary.ips.json` | the share as a FHIR IPS document, to save               |
//! | GET    | `receipt.svg`      | the signed access receipt's QR code (desk with a key)   |

use crate::guard::{self, Guard, Kind, Refusal};
use crate::visit::Visit;
use carnet_core::qr::QrMatrix;
use carnet_core::share::printable::{self, Lang};
use carnet_core::share::{DoctorSession, Recipient, ShareError, receipt};
use carnet_core::time::{Clock, SystemClock};
use carnet_core::trust::{Signer, SoftwareSigner, TrustStore};
use chrono::{DateTime, Utc};
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use tiny_http::{Header, Method, Request, Response, Server};

const PAGE: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/desk.js");
const STYLE: &str = include_str!("page/desk.css");
const ICON: &str = include_str!("page/favicon.svg");

/// The largest camera frame accepted, a side: the page sends at most 960.
const MAX_FRAME_SIDE: u32 = 1920;
/// The largest image file accepted (a phone photo).
const MAX_IMAGE_BYTES: u64 = 16 * 1024 * 1024;
/// The longest typed text accepted (a QR code holds at most 4,296 characters).
const MAX_TYPED_BYTES: u64 = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("the desk could not listen on 127.0.0.1: {0}")]
    Listen(String),
    #[error(transparent)]
    Share(#[from] ShareError),
    #[error(transparent)]
    Signing(#[from] carnet_core::trust::SignedRecordError),
}

/// The sessions of hellos shown before the desk started (by `carnet doctor hello`), still
/// valid at the given time: shares sealed to them open at the desk too.
pub type EarlierSessions = Box<dyn Fn(DateTime<Utc>) -> Vec<DoctorSession>>;

/// How to start the desk.
#[derive(Default)]
pub struct DeskOptions {
    /// 0 for any free port.
    pub port: u16,
    /// The practitioner's key and certificate: the hello then says who the doctor is, and the
    /// desk signs an access receipt for each share read.
    pub signer: Option<SoftwareSigner>,
    /// The authorities this desk trusts, to verify the practitioners' signatures in shares.
    pub trust: TrustStore,
    pub earlier_sessions: Option<EarlierSessions>,
}

impl std::fmt::Debug for DeskOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskOptions")
            .field("port", &self.port)
            .field("signer", &self.signer.is_some())
            .finish_non_exhaustive()
    }
}

/// A running desk: listening, not yet serving ([`Desk::serve`]).
pub struct Desk {
    server: Server,
    guard: Guard,
    port: u16,
    signer: Option<SoftwareSigner>,
    trust: TrustStore,
    earlier_sessions: Option<EarlierSessions>,
    visit: Mutex<Visit>,
}

// The token and the visit's secret stay out of `{:?}`.
impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Desk {
    /// Listens on 127.0.0.1 and prepares the first visit's hello.
    pub fn start(options: DeskOptions) -> Result<Self, DeskError> {
        let server = Server::http(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port)))
            .map_err(|e| DeskError::Listen(e.to_string()))?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| DeskError::Listen("no port".into()))?;
        let visit = first_visit(&options, SystemClock.now())?;
        Ok(Self {
            server,
            guard: Guard::new(port),
            port,
            signer: options.signer,
            trust: options.trust,
            earlier_sessions: options.earlier_sessions,
            visit: Mutex::new(visit),
        })
    }

    fn new_visit(&self, now: DateTime<Utc>) -> Result<Visit, DeskError> {
        visit_with(
            self.signer.as_ref(),
            &self.trust,
            self.earlier_sessions.as_ref(),
            now,
        )
    }

    /// The address to open: it carries this launch's token.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, self.guard.prefix())
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The current visit's hello as QR text (what the page shows as a code).
    pub fn hello_text(&self) -> String {
        self.with_visit(|v| v.hello().to_text())
    }

    fn with_visit<T>(&self, f: impl FnOnce(&mut Visit) -> T) -> T {
        let mut visit = self
            .visit
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut visit)
    }

    /// Answers requests until [`Desk::stop`].
    pub fn serve(&self) {
        for request in self.server.incoming_requests() {
            self.answer(request);
        }
    }

    /// Ends [`Desk::serve`]; the visit's secret goes with the desk when it is dropped.
    pub fn stop(&self) {
        self.server.unblock();
    }

    fn answer(&self, mut request: Request) {
        let post = *request.method() == Method::Post;
        let url = request.url().to_owned();
        let header = |name: &str| {
            request
                .headers()
                .iter()
                .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
                .map(|h| h.value.as_str().to_owned())
        };
        let reply = match self.guard.check(post, &url, header) {
            Err(refusal) => refused(refusal),
            Ok(rest) => {
                let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
                self.route(post, path, query, &mut request)
            }
        };
        let _ = request.respond(reply);
    }

    fn route(&self, post: bool, path: &str, query: &str, request: &mut Request) -> Answer {
        let now = SystemClock.now();
        match (post, path) {
            (false, "" | "index.html") => asset(PAGE, "text/html; charset=utf-8"),
            (false, "desk.js") => asset(SCRIPT, "text/javascript; charset=utf-8"),
            (false, "desk.css") => asset(STYLE, "text/css; charset=utf-8"),
            (false, "favicon.svg") => asset(ICON, "image/svg+xml"),
            (false, "hello.json") => self.with_visit(|v| {
                let hello = v.hello();
                // As fields, so that the page says "vérifié par" or "verified by" itself.
                let practitioner =
                    self.signer
                        .as_ref()
                        .map(|_| match hello.recipient(&self.trust, now) {
                            Recipient::Verified(p) => serde_json::json!({
                                "verified": true,
                                "who": p.identity.describe(),
                                "anchor": p.anchor,
                            }),
                            Recipient::Unverified { reason } => serde_json::json!({
                                "verified": false,
                                "reason": reason,
                            }),
                        });
                json(&serde_json::json!({
                    "fingerprint": hello.fingerprint(),
                    "expires_at": hello.expires_at.to_rfc3339(),
                    "practitioner": practitioner,
                }))
            }),
            (false, "hello.txt") => data(
                self.hello_text().into_bytes(),
                "text/plain; charset=utf-8",
                None,
            ),
            (false, "hello.svg") => {
                let text = self.hello_text();
                match QrMatrix::encode(&text, 40) {
                    Ok(code) => data(code.to_svg().into_bytes(), "image/svg+xml", None),
                    Err(_) => status(500, "the hello does not fit a QR code"),
                }
            }
            (true, "frame") => {
                let side = |name: &str| -> Option<u32> {
                    param(query, name)?
                        .parse()
                        .ok()
                        .filter(|s| (1..=MAX_FRAME_SIDE).contains(s))
                };
                let (Some(w), Some(h)) = (side("w"), side("h")) else {
                    return status(400, "a frame needs its width and height, at most 1920 each");
                };
                let expected = u64::from(w) * u64::from(h);
                match body(request, expected) {
                    Some(luma) if luma.len() as u64 == expected => {
                        json(&self.with_visit(|v| v.frame(w, h, luma, now)))
                    }
                    _ => status(400, "a frame is exactly width × height grey bytes"),
                }
            }
            (true, "typed") => match body(request, MAX_TYPED_BYTES).map(String::from_utf8) {
                Some(Ok(text)) => json(&self.with_visit(|v| v.typed(&text, now))),
                _ => status(400, "typed text is UTF-8, at most 64 KiB"),
            },
            (true, "image") => match body(request, MAX_IMAGE_BYTES) {
                Some(bytes) => json(&self.with_visit(|v| v.image(&bytes, now))),
                None => status(413, "an image is at most 16 MiB"),
            },
            (true, "next") => match self.new_visit(now) {
                Ok(visit) => {
                    self.with_visit(|v| *v = visit);
                    json(&serde_json::json!({ "state": "ready" }))
                }
                Err(_) => status(500, "could not make a new hello"),
            },
            (false, "visit.json") => self.with_visit(|v| {
                // How many items of each section were read: the page's audit of the visit.
                let read = v.opened().map(|share| {
                    let p = &share.pack;
                    serde_json::json!({
                        "allergies": p.allergies.len(),
                        "conditions": p.conditions.len(),
                        "medications": p.medications.len(),
                        "stopped": p.stopped.len(),
                        "labs": p.labs.len(),
                        "immunisations": p.immunisations().len(),
                        "letters": p.letters.len(),
                    })
                });
                json(&serde_json::json!({
                    "complete": v.opened().is_some(),
                    "read": read,
                    "receipt": v.opened().is_some() && self.signer.is_some(),
                }))
            }),
            (false, "summary" | "summary.html") => {
                let lang = match param(query, "lang") {
                    Some("en") => Lang::En,
                    _ => Lang::Fr,
                };
                self.with_visit(|v| {
                    let Some(share) = v.opened() else {
                        return status(404, "no share read yet");
                    };
                    let printed = now
                        .with_timezone(&chrono::Local)
                        .format("%d/%m/%Y %H:%M")
                        .to_string();
                    let html = printable::render(share, now.date_naive(), &printed, lang);
                    if path == "summary" {
                        summary_page(html)
                    } else {
                        let name = file_name(&share.pack.patient.name, share.pack.as_of.to_date());
                        data(
                            html.into_bytes(),
                            "text/html; charset=utf-8",
                            Some(format!("{name}.html")),
                        )
                    }
                })
            }
            (false, "summary.ips.json") => self.with_visit(|v| match v.opened() {
                Some(share) => {
                    let name = file_name(&share.pack.patient.name, share.pack.as_of.to_date());
                    data(
                        carnet_core::fhir::export_share(share, now).into_bytes(),
                        "application/fhir+json",
                        Some(format!("{name}-ips.json")),
                    )
                }
                None => status(404, "no share read yet"),
            }),
            (false, "receipt.svg") => self.with_visit(|v| {
                let (Some(share), Some(signer), Some(at)) = (v.opened(), &self.signer, v.read_at())
                else {
                    return status(404, "no receipt: no share read, or no practitioner key");
                };
                match receipt::receipt_code(share, signer, at)
                    .ok()
                    .and_then(|text| QrMatrix::encode(&text, 40).ok())
                {
                    Some(code) => data(code.to_svg().into_bytes(), "image/svg+xml", None),
                    None => status(500, "the receipt could not be signed"),
                }
            }),
            _ => status(404, "no such page"),
        }
    }
}

fn first_visit(options: &DeskOptions, now: DateTime<Utc>) -> Result<Visit, DeskError> {
    visit_with(
        options.signer.as_ref(),
        &options.trust,
        options.earlier_sessions.as_ref(),
        now,
    )
}

/// A new visit: a fresh hello (signed when the desk has a key), and the earlier sessions still
/// valid.
fn visit_with(
    signer: Option<&SoftwareSigner>,
    trust: &TrustStore,
    earlier: Option<&EarlierSessions>,
    now: DateTime<Utc>,
) -> Result<Visit, DeskError> {
    let earlier = earlier.map(|load| load(now)).unwrap_or_default();
    Visit::new(
        signer.map(|s| s as &dyn Signer),
        trust.clone(),
        earlier,
        now,
    )
}

type Answer = Response<std::io::Cursor<Vec<u8>>>;

fn with_headers(mut response: Answer, kind: Kind, content_type: &str) -> Answer {
    for (name, value) in guard::headers(kind) {
        if let Ok(h) = Header::from_bytes(name, value) {
            response.add_header(h);
        }
    }
    if let Ok(h) = Header::from_bytes("Content-Type", content_type) {
        response.add_header(h);
    }
    response
}

fn asset(text: &str, content_type: &str) -> Answer {
    with_headers(
        Response::from_data(text.as_bytes().to_vec()),
        Kind::App,
        content_type,
    )
}

fn summary_page(html: String) -> Answer {
    with_headers(
        Response::from_data(html.into_bytes()),
        Kind::Summary,
        "text/html; charset=utf-8",
    )
}

fn json<T: serde::Serialize>(value: &T) -> Answer {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    data(bytes, "application/json", None)
}

/// Data, or a file to save when `save_as` names it.
fn data(bytes: Vec<u8>, content_type: &str, save_as: Option<String>) -> Answer {
    let mut response = with_headers(Response::from_data(bytes), Kind::Data, content_type);
    if let Some(name) = save_as {
        if let Ok(h) = Header::from_bytes(
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ) {
            response.add_header(h);
        }
    }
    response
}

fn status(code: u16, message: &str) -> Answer {
    data(
        message.as_bytes().to_vec(),
        "text/plain; charset=utf-8",
        None,
    )
    .with_status_code(code)
}

fn refused(refusal: Refusal) -> Answer {
    status(refusal.status(), refusal.message())
}

/// The request's body, if it is at most `limit` bytes.
fn body(request: &mut Request, limit: u64) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    request
        .as_reader()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    (bytes.len() as u64 <= limit).then_some(bytes)
}

fn param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A file name from the patient's name and the summary's day: ASCII letters, digits and
/// dashes only, so no name can reach outside the download folder or confuse a file manager.
fn file_name(patient: &str, day: chrono::NaiveDate) -> String {
    let folded = carnet_core::model::fold(patient);
    let mut name: String = folded
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    name.truncate(40);
    let name = name.trim_matches('-');
    format!("carnet-{name}-{day}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_file_is_named_in_plain_ascii() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap_or_default();
        assert_eq!(file_name("Léa Martin", day), "carnet-lea-martin-2026-11-18");
        assert_eq!(
            file_name("../../etc/passwd\"\r\n", day),
            "carnet-etc-passwd-2026-11-18"
        );
    }

    #[test]
    fn parameters_are_read_by_name() {
        assert_eq!(param("w=640&h=480", "h"), Some("480"));
        assert_eq!(param("w=640", "h"), None);
        assert_eq!(param("", "lang"), None);
    }
}
