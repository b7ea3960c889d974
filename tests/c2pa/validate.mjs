// validate.mjs - check PNGs with a third-party C2PA implementation:
// @contentauth/c2pa-wasm, the c2pa-rs reference SDK built to WebAssembly,
// run offline from its npm package.  For each file it prints one line:
//
//   FILE state=Valid failure=signingCredential.untrusted success=... informational=...
//
// (state=None when the file has no manifest store; ingredient findings
// are prefixed "ingredient:").  Exit status 0, or 2 on a usage error.
import fs from 'node:fs';
import { initSync, WasmReader } from '@contentauth/c2pa-wasm';

const files = process.argv.slice(2);
if (files.length === 0) {
	console.error('usage: node validate.mjs FILE.png...');
	process.exit(2);
}
initSync({ module: fs.readFileSync(new URL(import.meta.resolve('@contentauth/c2pa-wasm/c2pa.wasm'))) });

// C2PA_TRUST=ROOT.pem: trust that issuer (state=Trusted when it signed)
const trust = process.env.C2PA_TRUST;
const context = trust ? JSON.stringify({ trust: { trust_anchors: fs.readFileSync(trust, 'utf8') } }) : undefined;

const codes = (list) => (list || []).map((s) => s.code);

for (const file of files) {
	let reader;
	try {
		reader = await WasmReader.fromBytes('image/png', fs.readFileSync(file), context);
	} catch (e) {
		console.log(`${file} state=None error=${String(e).replace(/\s+/g, '_')}`);
		continue;
	}
	const store = JSON.parse(reader.json());
	const res = store.validation_results || {};
	const am = res.activeManifest || {};
	const failure = codes(am.failure), success = codes(am.success), info = codes(am.informational);
	for (const d of res.ingredientDeltas || []) {
		const v = d.validationDeltas || {};
		failure.push(...codes(v.failure).map((c) => `ingredient:${c}`));
	}
	console.log(`${file} state=${store.validation_state} failure=${failure.join(',')} ` +
		`success=${success.join(',')} informational=${info.join(',')}`);
	if (process.env.C2PA_VALIDATE_JSON)
		console.log(reader.json());
	reader.free();
}
