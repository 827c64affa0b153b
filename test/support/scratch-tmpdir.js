// Jest setup (setupFilesAfterEnv) for every tier: each test file gets a temporary folder of its own, removed once
// the file's tests are done. What tests create under os.tmpdir() (dead-letter stores, device keys, API keys, broker
// and gateway folders) goes with it, even when a test fails before its own cleanup. The Fabric tier's network is
// made by its global setup, outside any file, and removed by its global teardown.
//
// os.tmpdir() is replaced rather than TMPDIR set: Jest gives each file a copy of process.env, which Node's own
// os module never reads; the os module itself is shared, so the replacement is undone after the file.
'use strict';
/* global afterAll */
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');

const scratch = mkdtempSync(join(os.tmpdir(), 'provena-test-'));
// Assigned, not a jest.spyOn: a test's jest.restoreAllMocks() would undo a spy half way through the file.
const originalTmpdir = os.tmpdir;
os.tmpdir = () => scratch;
process.env.TMPDIR = scratch;

afterAll(() => {
  os.tmpdir = originalTmpdir;
  rmSync(scratch, { recursive: true, force: true });
});
