// Starts `lintas lsp` and connects VS Code to it. Everything the editor
// shows (diagnostics, completion, hover, navigation, formatting) comes from
// the server; this file only launches it.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function start(context) {
  const config = vscode.workspace.getConfiguration("lintas");
  const command = config.get("server.path", "lintas");
  const args = ["lsp", ...config.get("server.extraArgs", [])];
  const serverOptions = {
    run: { command, args, transport: TransportKind.stdio },
    debug: { command, args, transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "lintas" }],
    synchronize: {
      // Files other tools change: the server re-reads them.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.lintas,*.csv,*.json,lintas.toml}"),
    },
  };
  client = new LanguageClient("lintas", "Lintas", serverOptions, clientOptions);
  return client.start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("lintas.restartServer", async () => {
      if (client) {
        await client.stop();
      }
      await start(context);
    }),
  );
  await start(context);
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
