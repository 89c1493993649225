"""The `nki-ls` language server (pygls 2): thin handlers that wire LSP methods to `nki_ls.features`.

Diagnostics are pushed (`publishDiagnostics`) to clients that cannot pull them, and pulled
(`textDocument/diagnostic`, `workspace/diagnostic`) by those that can. Analysis runs on the event
loop between messages, so a newer version always supersedes older work before it starts.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from nki_compiler.source import Encoding
from nki_compiler.version import __version__
from nki_ls import convert, settings
from nki_ls.commands import CommandError
from nki_ls.features import (
    code_actions,
    commands,
    completion,
    hover,
    inlay_hints,
    run_on_save,
    signature,
    symbols,
)
from nki_ls.features.diagnostics import Documents, normalize
from nki_ls.features.specialized import Deferred, Specializations
from nki_ls.scheduler import Scheduler

log = logging.getLogger("nki_ls")
F = TypeVar("F", bound=Callable[..., Any])
#: Specializer diagnostics (NKI3xx/4xx) follow the front end's once a file has been quiet this long.
SPECIALIZE_DELAY_SECONDS = 0.4


class NkiLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("nki-ls", __version__)
        self.documents = Documents()
        self.uris: dict[str, str] = {}  # path -> the URI the client used
        self.base_settings = settings.Settings()  # defaults + pyproject + initializationOptions
        self.settings = self.base_settings
        self.warnings: list[str] = []
        self.scheduler = Scheduler(self.publish)
        self.specializations = Specializations(self.documents)
        self.specialize_pass = Deferred(self.publish_specialized, SPECIALIZE_DELAY_SECONDS)
        self.runs = run_on_save.Runs()  # findings of the last run on save, per path

    @property
    def encoding(self) -> Encoding:
        return convert.encoding_of(self.workspace.position_encoding)

    @property
    def client_pulls(self) -> bool:
        document = self.client_capabilities.text_document
        return document is not None and document.diagnostic is not None

    def report_server_error(self, error: Exception, source: Any) -> None:
        self.window_log_message(
            types.LogMessageParams(type=types.MessageType.Error, message=f"nki-ls {__version__}: {error!r}")
        )

    # -- diagnostics

    def lsp_diagnostics(self, path: str, specialize: bool = True) -> tuple[list[types.Diagnostic], Any]:
        """Front-end diagnostics plus the specializer's (computed now only when `specialize`)."""
        analysis = self.documents.analysis(path)
        encoding = self.encoding
        found = [*analysis.diagnostics]
        try:
            config = self.settings.check_config()
            found += self.specializations.diagnostics(path, config, analysis.diagnostics, compute=specialize)
            found += self.runs.diagnostics(path, analysis.version, config)
        except Exception:  # the specializer never breaks the front end's diagnostics
            log.exception("nki-ls %s: specializer diagnostics of %s failed", __version__, path)
        items = [
            convert.lsp_diagnostic(d, analysis.index, encoding, self.documents.index, analysis.version)
            for d in found
        ]
        return items, analysis

    def result_id(self, path: str, analysis: Any) -> str:
        """Pull result id: the analysed text and configuration, and the findings of the last run on save."""
        return f"{analysis.result_id}:{self.runs.stamp(path)}"

    def publish_specialized(self, paths: set[str]) -> None:
        """The deferred pass: specialize the quiet files and push their diagnostics again if any."""
        for path in paths:
            if not self.documents.is_open(path) or self.specializations.cached(path) is not None:
                continue
            entry = self.specializations.get(path, self.settings.target)
            if entry is not None and entry.diagnostics:  # the last push had none of them
                self.publish({path})

    def diagnostics_changed(
        self, affected: set[str], origin: str | None = None, immediate: bool = False
    ) -> None:
        """Push new diagnostics of the affected open files, or ask a pull client to re-pull.

        A pull client re-pulls the document it just edited (`origin`) by itself.
        """
        if self.client_pulls:
            if affected - {origin} and _refresh_supported(self.client_capabilities):
                self.workspace_diagnostic_refresh(None)
            return
        if immediate:
            self.scheduler.now(affected)
        else:
            self.scheduler.soon(affected)

    def publish(self, paths: set[str]) -> None:
        """Push diagnostics of these open files, then of files that analysing them made stale."""
        done: set[str] = set()
        todo = set(paths)
        while todo:
            for path in sorted(todo):
                if self.documents.is_open(path):
                    items, analysis = self.lsp_diagnostics(path, specialize=False)
                    if self.specializations.cached(path) is None:
                        self.specialize_pass.schedule({path})
                    params = types.PublishDiagnosticsParams(
                        uri=self.uri_of(path), version=analysis.version, diagnostics=items
                    )
                    self.text_document_publish_diagnostics(params)
            done |= todo
            todo = self.documents.take_stale() - done

    def refresh_stale(self) -> None:
        """After a pull: other open files changed their diagnostics as a side effect; ask to re-pull."""
        if self.documents.take_stale() and _refresh_supported(self.client_capabilities):
            self.workspace_diagnostic_refresh(None)

    def uri_of(self, path: str) -> str:
        return self.uris.get(path) or convert.uri_of(path)

    def apply_settings(self, new: settings.Settings, warnings: list[str]) -> None:
        for warning in warnings:
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=warning))
        if new != self.settings:
            self.settings = new
            self.diagnostics_changed(self.documents.set_config(new.check_config()), immediate=True)


def _refresh_supported(capabilities: types.ClientCapabilities) -> bool:
    workspace = capabilities.workspace
    return bool(workspace and workspace.diagnostics and workspace.diagnostics.refresh_support)


def guarded(handler: F) -> F:
    """Log an internal error with the version and answer it as an LSP error; the server keeps serving."""

    @functools.wraps(handler)
    def wrapper(ls: NkiLanguageServer, params: Any) -> Any:
        try:
            return handler(ls, params)
        except Exception as error:
            log.exception("nki-ls %s: internal error in %s", __version__, handler.__name__)
            message = f"nki-ls {__version__}: internal error in {handler.__name__}: {error!r}"
            raise JsonRpcInternalError(message=message) from error

    return wrapper  # type: ignore[return-value]


def create_server() -> NkiLanguageServer:  # noqa: C901  (one registration per LSP method)
    server = NkiLanguageServer()

    @server.feature(types.INITIALIZE)
    @guarded
    def initialize(ls: NkiLanguageServer, params: types.InitializeParams) -> None:
        root = convert.path_of(params.root_uri) if params.root_uri else params.root_path
        if params.workspace_folders:
            root = convert.path_of(params.workspace_folders[0].uri)
        base, warnings = settings.merge(settings.Settings(), settings.from_pyproject(root), "pyproject.toml")
        base, more = settings.merge(base, params.initialization_options, "initializationOptions")
        ls.base_settings = ls.settings = base
        ls.warnings = warnings + more
        ls.documents.set_config(base.check_config())

    @server.feature(types.INITIALIZED)
    @guarded
    def initialized(ls: NkiLanguageServer, params: types.InitializedParams) -> None:
        ls.apply_settings(ls.settings, ls.warnings)
        ls.warnings = []
        watched = (
            ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
        )
        if watched and watched.dynamic_registration:
            watcher = types.FileSystemWatcher(glob_pattern="**/*.py")
            options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[watcher])
            registration = types.Registration(
                id="nki-ls-watch-py",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options,
            )
            ls.client_register_capability(types.RegistrationParams(registrations=[registration]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @guarded
    def did_open(ls: NkiLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        path = normalize(convert.path_of(document.uri))
        ls.uris[path] = document.uri
        ls.diagnostics_changed(ls.documents.open(path, document.text, document.version), path, immediate=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @guarded
    def did_change(ls: NkiLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri not in ls.workspace.text_documents:  # a change to a document never opened: nothing to update
            return
        document = ls.workspace.get_text_document(uri)
        path = normalize(convert.path_of(uri))
        ls.diagnostics_changed(ls.documents.change(path, document.source, params.text_document.version), path)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    @guarded
    def did_save(ls: NkiLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        path = normalize(convert.path_of(params.text_document.uri))
        ls.diagnostics_changed(ls.documents.disk_changed(path), path, immediate=True)
        if ls.settings.run_on_save:
            ls.runs.on_save(ls, path, ls.settings.target, ls.settings.simulator_timeout_seconds)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @guarded
    def did_close(ls: NkiLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        path = normalize(convert.path_of(params.text_document.uri))
        ls.scheduler.cancel(path)
        ls.specialize_pass.cancel(path)
        ls.specializations.forget(path)
        ls.runs.forget(path)
        affected = ls.documents.close(path)
        if not ls.client_pulls:
            empty = types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
            ls.text_document_publish_diagnostics(empty)
        ls.uris.pop(path, None)
        ls.diagnostics_changed(affected)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded
    def did_change_watched_files(ls: NkiLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        affected: set[str] = set()
        for change in params.changes:
            affected |= ls.documents.disk_changed(convert.path_of(change.uri))
        ls.diagnostics_changed(affected)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: NkiLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        raw = params.settings
        if not settings.flatten(raw) and _can_ask_configuration(ls):
            try:
                answer = await ls.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section="nki")])
                )
                raw = answer[0] if answer else None
            except Exception:
                log.exception("nki-ls %s: workspace/configuration failed", __version__)
                return
        new, warnings = settings.merge(ls.base_settings, raw, "the editor settings")
        ls.apply_settings(new, warnings)

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="nki", inter_file_dependencies=True, workspace_diagnostics=True),
    )
    @guarded
    def document_diagnostic(ls: NkiLanguageServer, params: types.DocumentDiagnosticParams) -> Any:
        path = normalize(convert.path_of(params.text_document.uri))
        items, analysis = ls.lsp_diagnostics(path)
        ls.refresh_stale()
        result_id = ls.result_id(path, analysis)
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    @guarded
    def workspace_diagnostic(ls: NkiLanguageServer, params: types.WorkspaceDiagnosticParams) -> Any:
        previous = {p.uri: p.value for p in params.previous_result_ids}
        reports: list[Any] = []
        for path in sorted(ls.documents.versions):
            uri = ls.uri_of(path)
            items, analysis = ls.lsp_diagnostics(path)
            result_id = ls.result_id(path, analysis)
            if previous.get(uri) == result_id:
                reports.append(
                    types.WorkspaceUnchangedDocumentDiagnosticReport(
                        uri=uri, version=analysis.version, result_id=result_id
                    )
                )
            else:
                reports.append(
                    types.WorkspaceFullDocumentDiagnosticReport(
                        uri=uri, version=analysis.version, items=items, result_id=result_id
                    )
                )
        ls.documents.take_stale()  # every open file is in this report
        return types.WorkspaceDiagnosticReport(items=reports)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=code_actions.KINDS, resolve_provider=False),
    )
    @guarded
    def code_action(ls: NkiLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return code_actions.code_actions(ls.documents, params.text_document.uri, params, ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded
    def on_hover(ls: NkiLanguageServer, params: types.HoverParams) -> types.Hover | None:
        uri, position = params.text_document.uri, params.position
        return hover.hover(ls.documents, uri, position, ls.encoding, ls.settings.target, ls.specializations)

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    @guarded
    def on_inlay_hint(ls: NkiLanguageServer, params: types.InlayHintParams) -> list[types.InlayHint]:
        if not ls.settings.inlay_hints:
            return []
        uri, range_ = params.text_document.uri, params.range
        return inlay_hints.inlay_hints(
            ls.documents, ls.specializations, uri, range_, ls.encoding, ls.settings.target
        )

    for name in sorted(commands.COMMANDS):
        server.command(name)(_command_handler(name))

    @server.command(run_on_save.RUN)
    async def run_kernel(ls: NkiLanguageServer, *arguments: Any) -> Any:
        try:
            return await run_on_save.run_command(
                ls, list(arguments), ls.encoding, ls.settings.target, ls.settings.simulator_timeout_seconds
            )
        except CommandError as problem:
            raise JsonRpcInvalidParams(message=f"nki-ls: {problem}") from problem
        except Exception as error:
            log.exception("nki-ls %s: internal error in %s", __version__, run_on_save.RUN)
            message = f"nki-ls {__version__}: {run_on_save.RUN}: {error!r}"
            raise JsonRpcInternalError(message=message) from error

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=completion.TRIGGER_CHARACTERS),
    )
    @guarded
    def on_completion(ls: NkiLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
        uri, position = params.text_document.uri, params.position
        return completion.completion(ls.documents, uri, position, ls.encoding, ls.settings.target)

    @server.feature(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        types.SignatureHelpOptions(trigger_characters=signature.TRIGGER_CHARACTERS),
    )
    @guarded
    def on_signature_help(
        ls: NkiLanguageServer, params: types.SignatureHelpParams
    ) -> types.SignatureHelp | None:
        uri, position = params.text_document.uri, params.position
        return signature.signature_help(ls.documents, uri, position, ls.encoding, ls.settings.target)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded
    def on_document_symbol(
        ls: NkiLanguageServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol]:
        return symbols.document_symbols(ls.documents, params.text_document.uri, ls.encoding)

    return server


def _command_handler(name: str) -> Callable[..., Any]:
    """`workspace/executeCommand` for one `nki.*` command: usage problems are invalid params."""

    def run_command(ls: NkiLanguageServer, *arguments: Any) -> Any:
        command = commands.COMMANDS[name]
        try:
            return command(ls.documents, list(arguments), ls.encoding, ls.settings.target)
        except CommandError as problem:  # a usage problem, not a defect
            raise JsonRpcInvalidParams(message=f"nki-ls: {problem}") from problem
        except Exception as error:
            log.exception("nki-ls %s: internal error in %s", __version__, name)
            raise JsonRpcInternalError(message=f"nki-ls {__version__}: {name}: {error!r}") from error

    return run_command


def _can_ask_configuration(ls: NkiLanguageServer) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.configuration)


def serve() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    create_server().start_io()
