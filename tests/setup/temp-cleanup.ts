/** Runs before every test file: remove the file's temporary directories when it ends, however it ends. */
import { afterAll } from "vitest";
import { removeTempDirs } from "../temp.js";

afterAll(() => removeTempDirs());
