// The program config key references the project carries (reference/configs/<program>-<version>.keys.json).
import * as fs from "fs";
import * as path from "path";
import type { KeyReference } from "../components/render/connections/census";

export const REFERENCE_DIR = path.resolve(__dirname, "..", "reference", "configs");

const cache = new Map<string, KeyReference>();

/** The key reference of a program at a version; throws naming the missing file. */
export function keyReference(program: string, version: string): KeyReference {
    const file = path.join(REFERENCE_DIR, `${program}-${version}.keys.json`);
    if (!cache.has(file)) {
        if (!fs.existsSync(file)) throw new Error(`no key reference for ${program} ${version}: ${path.relative(process.cwd(), file)} is missing`);
        cache.set(file, JSON.parse(fs.readFileSync(file, "utf8")) as KeyReference);
    }
    return cache.get(file)!;
}
