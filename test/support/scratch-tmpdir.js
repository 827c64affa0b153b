// Jest setup (setupFilesAfterEnv) for every tier: each test file gets a temporary folder of its own, and what tests
// create under os.tmpdir() (dead-letter stores, device keys, API keys, broker, gateway and network folders) goes
// with it, even when a test fails before its own cleanup. The Fabric tier's network is made by its global setup,
// outside any file, and removed by its global teardown.
//
// A folder is removed when the next test file of the same process starts, not in an afterAll of this file: Jest
// runs this file's hooks before the test file's own top-level afterAll, which may still need the folder (a network
// stopped by the pid files in it). The last file's folder goes with PROVENA_TEST_SCRATCH_ROOT, which scripts/test.sh
// makes for the run and removes at its end.
//
// os.tmpdir() is replaced rather than TMPDIR set: Jest gives each file a copy of process.env, which Node's own os
// module never reads. The os module itself is shared by every file of the process, which is also where the list
// of folders waiting to be removed is kept.
'use strict';
/* global afterAll */
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');

const PENDING = Symbol.for('provena.test.scratchFolders');
const originalTmpdir = os.tmpdir;
const pending = (os[PENDING] ??= []);
// Every earlier file of this process has finished, its afterAll hooks included.
for (const dir of pending.splice(0)) rmSync(dir, { recursive: true, force: true });

const scratch = mkdtempSync(join(process.env.PROVENA_TEST_SCRATCH_ROOT || originalTmpdir(), 'provena-test-'));
pending.push(scratch);
// Assigned, not a jest.spyOn: a test's jest.restoreAllMocks() would undo a spy half way through the file.
os.tmpdir = () => scratch;
process.env.TMPDIR = scratch;

afterAll(() => {
  os.tmpdir = originalTmpdir;
});
