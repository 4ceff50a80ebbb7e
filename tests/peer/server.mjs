// The reference peer: automerge-repo's sync server, as the
// automerge-repo-sync-server package runs it (a Repo with a WebSocket server
// adapter and NodeFS storage, sharing only what a client asks for by id).
// Usage: node server.mjs <port> <storage dir>. Prints "listening <port>".
import { Repo } from "@automerge/automerge-repo";
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { WebSocketServer } from "ws";

const [port, dir] = process.argv.slice(2);
const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(port) });
new Repo({
  network: [new WebSocketServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: "fieldlog-bench-peer-server",
  sharePolicy: async () => false,
});
wss.on("listening", () => console.log(`listening ${wss.address().port}`));
