// s3.mjs - S3 on loopback for the remote cache's tests (tests/cli/t5006)
//
//   node s3.mjs serve DIR PORTFILE
//       s3rver (an S3 server) on a free 127.0.0.1 port, its objects under
//       DIR, with the bucket "team-cache"; the port goes to PORTFILE.
//       s3rver does not check signatures: "record" does.
//   node s3.mjs record PORTFILE LOG
//       a store in memory that answers GET/HEAD/PUT like S3 and checks each
//       request against the AWS SDK's own SigV4 signer (@aws-sdk/signature-
//       v4), signing the same method, path and signed headers with the
//       credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//       AWS_SESSION_TOKEN, at the request's own x-amz-date (a fixed clock),
//       in region S3_REGION; it also checks x-amz-content-sha256 against
//       the body.  One JSON line a request goes to LOG: method, path, ok,
//       and why not.  A request that fails the check gets 403.
import { createHash } from "node:crypto";
import { writeFileSync, appendFileSync } from "node:fs";
import http from "node:http";

import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@aws-sdk/signature-v4";
import S3rver from "s3rver";

const [mode, ...args] = process.argv.slice(2);

if (mode === "serve") {
	const [dir, portfile] = args;
	const server = new S3rver({
		address: "127.0.0.1",
		port: 0,
		silent: true,
		directory: dir,
		configureBuckets: [{ name: "team-cache" }],
	});
	const { port } = await server.run();
	writeFileSync(portfile, String(port));
} else if (mode === "record") {
	const [portfile, log] = args;
	const objects = new Map();
	const signer = new SignatureV4({
		service: "s3",
		region: process.env.S3_REGION,
		credentials: {
			accessKeyId: process.env.AWS_ACCESS_KEY_ID,
			secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
			sessionToken: process.env.AWS_SESSION_TOKEN || undefined,
		},
		sha256: Sha256,
		uriEscapePath: false,
	});
	// 20261207T093000Z -> a Date
	const amzDate = (s) =>
		new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);

	async function check(req, body) {
		const auth = req.headers.authorization || "";
		const m = /^AWS4-HMAC-SHA256 Credential=[^,]+, ?SignedHeaders=([^,]+), ?Signature=[0-9a-f]{64}$/.exec(auth);
		if (!m) return "no SigV4 Authorization header";
		const signed = m[1].split(";");
		const headers = {};
		for (const h of signed) {
			if (req.headers[h] === undefined) return `signed header ${h} is not in the request`;
			headers[h] = req.headers[h];
		}
		for (const h of ["host", "x-amz-date", "x-amz-content-sha256"])
			if (!signed.includes(h)) return `${h} is not signed`;
		if (process.env.AWS_SESSION_TOKEN && !signed.includes("x-amz-security-token"))
			return "the session token is not signed";
		const sha = createHash("sha256").update(body).digest("hex");
		if (req.headers["x-amz-content-sha256"] !== sha) return "x-amz-content-sha256 is not the body's";
		const [hostname, port] = req.headers.host.split(":");
		const want = await signer.sign(
			{ method: req.method, protocol: "http:", hostname, port: Number(port), path: req.url, query: {}, headers, body },
			{ signingDate: amzDate(req.headers["x-amz-date"]) },
		);
		if (want.headers.authorization !== auth)
			return `signature differs: the SDK signs ${want.headers.authorization}`;
		return null;
	}

	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on("data", (c) => chunks.push(c));
		req.on("end", async () => {
			const body = Buffer.concat(chunks);
			let why;
			try {
				why = await check(req, body);
			} catch (e) {
				why = `check failed: ${e}`;
			}
			appendFileSync(log, JSON.stringify({ method: req.method, path: req.url, ok: !why, why }) + "\n");
			if (why) {
				res.writeHead(403).end();
			} else if (req.method === "PUT") {
				objects.set(req.url, body);
				res.writeHead(200).end();
			} else if (objects.has(req.url)) {
				const b = objects.get(req.url);
				res.writeHead(200, { "content-length": b.length });
				res.end(req.method === "HEAD" ? undefined : b);
			} else {
				res.writeHead(404).end();
			}
		});
	});
	server.listen(0, "127.0.0.1", () => writeFileSync(portfile, String(server.address().port)));
} else {
	console.error("usage: node s3.mjs serve DIR PORTFILE | record PORTFILE LOG");
	process.exit(2);
}
