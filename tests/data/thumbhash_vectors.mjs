// Makes tests/data/thumbhash_vectors.json with the reference ThumbHash encoder (npm thumbhash
// 0.1.1, by its author): `npm install thumbhash@0.1.1 && node thumbhash_vectors.mjs > ...json`.
// The pixels follow the formula tests/unit/test_placeholder.py repeats, so no image is shipped.
import { rgbaToThumbHash } from "thumbhash";

function pixels(w, h, alphaKind) {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      rgba[i] = (x * 255 / Math.max(1, w - 1)) | 0;
      rgba[i + 1] = (y * 255 / Math.max(1, h - 1)) | 0;
      rgba[i + 2] = ((x * 7 + y * 13) % 256);
      rgba[i + 3] = alphaKind === "opaque" ? 255 : alphaKind === "ramp" ? ((x + y) * 255 / Math.max(1, w + h - 2)) | 0 : (x < w / 2 ? 0 : 255);
    }
  }
  return rgba;
}

const cases = [
  [100, 75, "opaque"], [75, 100, "opaque"], [100, 100, "opaque"], [1, 1, "opaque"],
  [37, 11, "opaque"], [100, 60, "ramp"], [48, 100, "half"], [3, 100, "ramp"],
];
const vectors = cases.map(([w, h, alpha]) => ({
  width: w, height: h, alpha, thumbhash: Buffer.from(rgbaToThumbHash(w, h, pixels(w, h, alpha))).toString("base64"),
}));
console.log(JSON.stringify(vectors, null, 2));
