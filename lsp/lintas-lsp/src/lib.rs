//! The Lintas language server: the only crate that speaks LSP.
//!
//! It reads packages the way the CLI does, runs the compiler's own parser
//! and checker on them (text in, diagnostics out), and converts spans (byte
//! offsets) into LSP positions (UTF-16 code units). Messages are handled one
//! at a time on one thread; edits that arrive together are checked once.

mod features;
mod index;
mod text;
mod world;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{notification as notif, request as req};
use std::io::{BufRead, Write};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use world::{OpenDoc, World};

pub use text::LineIndex;

/// Serves LSP over stdin/stdout until the client exits.
pub fn serve_stdio() -> Result<(), String> {
    let stdin = std::io::stdin();
    serve(std::io::BufReader::new(stdin), std::io::stdout())
}

/// Serves LSP on any pair of streams (the tests use in-memory pipes).
/// Returns when the client sends `exit` or closes its end.
pub fn serve<R, W>(reader: R, writer: W) -> Result<(), String>
where
    R: BufRead + Send + 'static,
    W: Write,
{
    let (tx, rx) = std::sync::mpsc::channel::<Message>();
    std::thread::spawn(move || {
        let mut reader = reader;
        loop {
            match Message::read(&mut reader) {
                Ok(Some(message)) => {
                    if tx.send(message).is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                // A body that is not JSON-RPC: skip it, the framing is intact.
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => continue,
                Err(_) => break,
            }
        }
    });
    let mut server = Server {
        out: writer,
        world: World::default(),
        dirty: false,
        shutting_down: false,
        next_id: 0,
    };
    while let Ok(message) = rx.recv() {
        if server.handle(message)? {
            return Ok(());
        }
        // Take everything that is already waiting before checking, so a
        // burst of keystrokes is checked once.
        while let Ok(message) = rx.try_recv() {
            if server.handle(message)? {
                return Ok(());
            }
        }
        server.refresh()?;
    }
    Ok(())
}

struct Server<W: Write> {
    out: W,
    world: World,
    /// Files changed since the last check.
    dirty: bool,
    shutting_down: bool,
    next_id: i32,
}

impl<W: Write> Server<W> {
    fn send(&mut self, message: Message) -> Result<(), String> {
        message
            .write(&mut self.out)
            .map_err(|e| format!("cannot write to the client: {e}"))
    }

    /// Handles one message; `true` when the server should stop.
    fn handle(&mut self, message: Message) -> Result<bool, String> {
        match message {
            Message::Request(request) => {
                self.refresh()?;
                self.ensure_indexes()?;
                let id = request.id.clone();
                let method = request.method.clone();
                let response =
                    match std::panic::catch_unwind(AssertUnwindSafe(|| self.request(request))) {
                        Ok(response) => response,
                        Err(panic) => {
                            let what = panic_message(&*panic);
                            self.log(&format!("internal error in `{method}`: {what}"))?;
                            Response::new_err(
                                id,
                                ErrorCode::InternalError as i32,
                                format!("internal error in `{method}`: {what}"),
                            )
                        }
                    };
                self.world.drop_discarded();
                self.send(Message::Response(response))?;
                Ok(false)
            }
            Message::Notification(n) => {
                if n.method == notif::Exit::METHOD {
                    return Ok(true);
                }
                let method = n.method.clone();
                if let Err(panic) =
                    std::panic::catch_unwind(AssertUnwindSafe(|| self.notification(n)))
                {
                    let what = panic_message(&*panic);
                    self.log(&format!("internal error in `{method}`: {what}"))?;
                    // The state may be half-updated: read everything again.
                    self.world.needs_rescan = true;
                    self.dirty = true;
                }
                Ok(false)
            }
            // Answers to our own requests (registering file watchers).
            Message::Response(_) => Ok(false),
        }
    }

    fn log(&mut self, message: &str) -> Result<(), String> {
        self.send(Message::Notification(Notification::new(
            notif::LogMessage::METHOD.to_string(),
            lsp_types::LogMessageParams {
                typ: lsp_types::MessageType::ERROR,
                message: message.to_string(),
            },
        )))
    }

    /// Checks what changed and publishes the diagnostics that differ.
    fn refresh(&mut self) -> Result<(), String> {
        if !self.dirty {
            return Ok(());
        }
        self.dirty = false;
        let analysed = std::panic::catch_unwind(AssertUnwindSafe(|| self.world.analyse()));
        if let Err(panic) = analysed {
            let what = panic_message(&*panic);
            return self.log(&format!("internal error while checking: {what}"));
        }
        let published = features::diagnostics_by_file(&self.world);
        let mut to_send = Vec::new();
        for (path, diagnostics) in &published {
            if self.world.published.get(path) != Some(diagnostics) {
                to_send.push((path.clone(), diagnostics.clone()));
            }
        }
        for path in self.world.published.keys() {
            if !published.contains_key(path) {
                to_send.push((path.clone(), Vec::new()));
            }
        }
        to_send.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, diagnostics) in to_send {
            let Ok(uri) = lsp_types::Url::from_file_path(&path) else {
                continue;
            };
            let version = self.world.open.get(&path).map(|d| d.version);
            self.send(Message::Notification(Notification::new(
                notif::PublishDiagnostics::METHOD.to_string(),
                lsp_types::PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version,
                },
            )))?;
        }
        self.world.published = published;
        Ok(())
    }

    /// Requests need the index; it is built only when one arrives, so a run
    /// of edits publishes diagnostics without waiting for indexing.
    fn ensure_indexes(&mut self) -> Result<(), String> {
        if let Err(panic) =
            std::panic::catch_unwind(AssertUnwindSafe(|| self.world.build_indexes()))
        {
            let what = panic_message(&*panic);
            return self.log(&format!("internal error while indexing: {what}"));
        }
        Ok(())
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::Initialized::METHOD => {
                let id = self.next_id;
                self.next_id += 1;
                let registration = lsp_types::Registration {
                    id: "lintas-watch".to_string(),
                    method: notif::DidChangeWatchedFiles::METHOD.to_string(),
                    register_options: serde_json::to_value(
                        lsp_types::DidChangeWatchedFilesRegistrationOptions {
                            watchers: vec![lsp_types::FileSystemWatcher {
                                glob_pattern: lsp_types::GlobPattern::String(
                                    "**/*.{lintas,csv,json,toml}".to_string(),
                                ),
                                kind: None,
                            }],
                        },
                    )
                    .ok(),
                };
                let _ = self.send(Message::Request(Request::new(
                    RequestId::from(format!("lintas-{id}")),
                    req::RegisterCapability::METHOD.to_string(),
                    lsp_types::RegistrationParams {
                        registrations: vec![registration],
                    },
                )));
                self.dirty = true;
            }
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                {
                    let path = features::uri_path(&p.text_document.uri);
                    self.world.open.insert(
                        path.clone(),
                        OpenDoc {
                            text: p.text_document.text,
                            version: p.text_document.version,
                        },
                    );
                    self.world.set_open_text(&path);
                    self.dirty = true;
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                {
                    let path = features::uri_path(&p.text_document.uri);
                    if let Some(doc) = self.world.open.get_mut(&path) {
                        for change in p.content_changes {
                            text::apply_change(&mut doc.text, change.range, &change.text);
                        }
                        doc.version = p.text_document.version;
                    }
                    self.world.set_open_text(&path);
                    self.dirty = true;
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                {
                    let path = features::uri_path(&p.text_document.uri);
                    self.world.open.remove(&path);
                    // The disk's text counts again.
                    if self.world.file_id(&path).is_some() && path.exists() {
                        self.world.reload_from_disk(&path);
                    } else {
                        self.world.needs_rescan = true;
                    }
                    self.dirty = true;
                }
            }
            notif::DidSaveTextDocument::METHOD => self.dirty = true,
            notif::DidChangeWatchedFiles::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeWatchedFilesParams>(n.params)
                {
                    for change in p.changes {
                        let path = features::uri_path(&change.uri);
                        if self.world.open.contains_key(&path) {
                            continue;
                        }
                        if change.typ == lsp_types::FileChangeType::CHANGED
                            && self.world.file_id(&path).is_some()
                        {
                            self.world.reload_from_disk(&path);
                        } else {
                            self.world.needs_rescan = true;
                        }
                    }
                    self.dirty = true;
                }
            }
            notif::DidChangeWorkspaceFolders::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeWorkspaceFoldersParams>(n.params)
                {
                    for f in p.event.removed {
                        let path = features::uri_path(&f.uri);
                        self.world.folders.retain(|x| *x != path);
                    }
                    for f in p.event.added {
                        self.world.folders.push(features::uri_path(&f.uri));
                    }
                    self.world.needs_rescan = true;
                    self.dirty = true;
                }
            }
            _ => {}
        }
    }

    fn request(&mut self, r: Request) -> Response {
        let id = r.id.clone();
        if self.shutting_down && r.method != req::Shutdown::METHOD {
            return Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            );
        }
        macro_rules! on {
            ($ty:ty, $f:expr) => {{
                match serde_json::from_value::<<$ty as req::Request>::Params>(r.params) {
                    Ok(params) => {
                        let result: <$ty as req::Request>::Result = $f(&self.world, params);
                        Response::new_ok(id, result)
                    }
                    Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string()),
                }
            }};
        }
        match r.method.as_str() {
            req::Initialize::METHOD => {
                let params: lsp_types::InitializeParams =
                    serde_json::from_value(r.params).unwrap_or_default();
                let mut folders: Vec<PathBuf> = params
                    .workspace_folders
                    .unwrap_or_default()
                    .iter()
                    .map(|f| features::uri_path(&f.uri))
                    .collect();
                #[allow(deprecated, reason = "older clients send only rootUri")]
                if folders.is_empty()
                    && let Some(root) = params.root_uri
                {
                    folders.push(features::uri_path(&root));
                }
                self.world = World::new(folders);
                self.dirty = true;
                Response::new_ok(id, features::initialize_result())
            }
            req::Shutdown::METHOD => {
                self.shutting_down = true;
                Response::new_ok(id, ())
            }
            req::HoverRequest::METHOD => on!(req::HoverRequest, features::hover),
            req::Completion::METHOD => on!(req::Completion, features::completion),
            req::GotoDefinition::METHOD => on!(req::GotoDefinition, features::definition),
            req::References::METHOD => on!(req::References, features::references),
            req::PrepareRenameRequest::METHOD => {
                on!(req::PrepareRenameRequest, features::prepare_rename)
            }
            req::Rename::METHOD => {
                match serde_json::from_value::<lsp_types::RenameParams>(r.params) {
                    Ok(params) => match features::rename(&self.world, params) {
                        Ok(edit) => Response::new_ok(id, edit),
                        Err(message) => {
                            Response::new_err(id, ErrorCode::InvalidParams as i32, message)
                        }
                    },
                    Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string()),
                }
            }
            req::DocumentSymbolRequest::METHOD => {
                on!(req::DocumentSymbolRequest, features::document_symbols)
            }
            req::WorkspaceSymbolRequest::METHOD => {
                on!(req::WorkspaceSymbolRequest, features::workspace_symbols)
            }
            req::Formatting::METHOD => on!(req::Formatting, features::formatting),
            req::SemanticTokensFullRequest::METHOD => {
                on!(req::SemanticTokensFullRequest, features::semantic_tokens)
            }
            req::CodeActionRequest::METHOD => on!(req::CodeActionRequest, features::code_actions),
            req::InlayHintRequest::METHOD => on!(req::InlayHintRequest, features::inlay_hints),
            // For the tests: proves that a panicking handler is answered
            // with an error and the server keeps serving.
            "lintas/debugPanic" => {
                #[allow(clippy::panic, reason = "the point of this request")]
                {
                    panic!("debug panic requested by the client")
                }
            }
            _ => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("unknown method `{}`", r.method),
            ),
        }
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}
