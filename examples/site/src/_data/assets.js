// Global data: `assets.NAME` in every template is assetgen's manifest entry
// for NAME (file, width, height, prompt, thumbnail, ...; see docs/manifest.md).
const fs = require("fs");
const path = require("path");

module.exports = function () {
	const file = path.join(__dirname, "..", "..", "dist", "manifest.json");
	const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
	if (manifest.version !== 1)
		throw new Error(`${file}: manifest version ${manifest.version}, this site reads version 1`);
	return manifest.assets;
};
