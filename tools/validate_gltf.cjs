#!/usr/bin/env node
// Validate glTF/GLB files with the Khronos glTF-Validator (npm "gltf-validator").
// Usage: node tools/validate_gltf.cjs FILE...   Prints one JSON report summary per file;
// exits 1 if any file has errors.
const fs = require("fs");
const path = require("path");
const validator = require("gltf-validator");

async function validate(file) {
  const data = new Uint8Array(fs.readFileSync(file));
  const dir = path.dirname(file);
  const report = await validator.validateBytes(data, {
    uri: path.basename(file),
    externalResourceFunction: (uri) =>
      new Promise((resolve, reject) => {
        fs.readFile(path.join(dir, decodeURIComponent(uri)), (err, buf) =>
          err ? reject(err.toString()) : resolve(new Uint8Array(buf)));
      }),
  });
  const errors = report.issues.messages.filter((m) => m.severity === 0);
  return {
    file,
    numErrors: report.issues.numErrors,
    numWarnings: report.issues.numWarnings,
    errors: errors.slice(0, 10).map((m) => `${m.code}: ${m.message} (${m.pointer || ""})`),
  };
}

(async () => {
  let failed = false;
  for (const file of process.argv.slice(2)) {
    try {
      const r = await validate(file);
      if (r.numErrors > 0) failed = true;
      console.log(JSON.stringify(r));
    } catch (e) {
      failed = true;
      console.log(JSON.stringify({ file, numErrors: 1, errors: [String(e)] }));
    }
  }
  process.exit(failed ? 1 : 0);
})();
