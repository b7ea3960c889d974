// bench/derive_sharp.js - the web derivatives that bench/derive.sh asks of
// assetgen, made by sharp: every PNG in SRC to AVIF, WebP and JPEG at each
// width, at the same nominal qualities (sharp's defaults otherwise), all
// at once (sharp runs them on libvips' threads).
//   node derive_sharp.js encode SRC OUT WIDTHS
//   node derive_sharp.js reference SRC OUT WIDTHS   (lossless resizes, PNG)
//   node derive_sharp.js ssim <PAIRS  ("A B" lines -> "A B SSIM": mean luma SSIM, 8x8 windows)
'use strict';
const fs = require('fs');
const path = require('path');
const sharp = require('sharp');

const Q = { avif: 50, webp: 80, jpeg: 80 };
const EXT = { avif: 'avif', webp: 'webp', jpeg: 'jpg' };

async function encode(src, out, widths) {
	const files = fs.readdirSync(src).filter((f) => f.endsWith('.png')).sort();
	const jobs = [];
	for (const f of files) {
		const name = f.replace(/\.png$/, '');
		for (const w of widths) {
			for (const fmt of Object.keys(Q)) {
				jobs.push(sharp(path.join(src, f)).resize(w)[fmt]({ quality: Q[fmt] })
					.toFile(path.join(out, `${name}-${w}.${EXT[fmt]}`)));
			}
		}
	}
	await Promise.all(jobs);
}

async function reference(src, out, widths) {
	const files = fs.readdirSync(src).filter((f) => f.endsWith('.png')).sort();
	await Promise.all(files.flatMap((f) => widths.map((w) =>
		sharp(path.join(src, f)).resize(w).png().toFile(path.join(out, `${f.replace(/\.png$/, '')}-${w}.png`)))));
}

async function luma(file) {
	const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
	const y = new Float64Array(info.width * info.height);
	for (let i = 0; i < y.length; i++)
		y[i] = 0.299 * data[3 * i] + 0.587 * data[3 * i + 1] + 0.114 * data[3 * i + 2];
	return { y, w: info.width, h: info.height };
}

async function ssim(a, b) {
	const A = await luma(a), B = await luma(b);
	if (A.w !== B.w || A.h !== B.h) throw new Error(`${a} and ${b} differ in size`);
	const c1 = (0.01 * 255) ** 2, c2 = (0.03 * 255) ** 2;
	let sum = 0, n = 0;
	for (let y0 = 0; y0 + 8 <= A.h; y0 += 8) {
		for (let x0 = 0; x0 + 8 <= A.w; x0 += 8) {
			let ma = 0, mb = 0, va = 0, vb = 0, cov = 0;
			for (let y = y0; y < y0 + 8; y++)
				for (let x = x0; x < x0 + 8; x++) { ma += A.y[y * A.w + x]; mb += B.y[y * A.w + x]; }
			ma /= 64; mb /= 64;
			for (let y = y0; y < y0 + 8; y++) {
				for (let x = x0; x < x0 + 8; x++) {
					const da = A.y[y * A.w + x] - ma, db = B.y[y * A.w + x] - mb;
					va += da * da; vb += db * db; cov += da * db;
				}
			}
			va /= 63; vb /= 63; cov /= 63;
			sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
			n++;
		}
	}
	return sum / n;
}

(async () => {
	const [cmd, ...args] = process.argv.slice(2);
	if (cmd === 'encode') await encode(args[0], args[1], args[2].split(',').map(Number));
	else if (cmd === 'reference') await reference(args[0], args[1], args[2].split(',').map(Number));
	else if (cmd === 'ssim') {
		const pairs = fs.readFileSync(0, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
		for (const [a, b] of pairs) console.log(`${a} ${b} ${(await ssim(a, b)).toFixed(5)}`);
	}
	else if (cmd === 'version') {
		const pkg = path.join(path.dirname(require.resolve('sharp')), '..', 'package.json');
		console.log(`sharp ${JSON.parse(fs.readFileSync(pkg, 'utf8')).version}, libvips ${sharp.versions.vips}`);
	}
	else throw new Error('usage: derive_sharp.js encode|reference|ssim|version ...');
})().catch((e) => { console.error(e.message); process.exit(1); });
