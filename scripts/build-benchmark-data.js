#!/usr/bin/env node
// Builds the compact benchmark tables shipped in data/benchmarks/ from the third-party CSVs (see
// data/benchmarks/ATTRIBUTION.md for sources and licenses). Plain JavaScript so it runs offline with
// no build step:
//
//   node scripts/build-benchmark-data.js [--source ../shared/data] [--out data/benchmarks]
//
// Every NB201 table is a column indexed by the NATS-Bench tss index 0..15624; the architecture
// itself is stored once, as a base-5 code of its six edge ops. The script checks that all files agree
// on the index -> architecture mapping and stops on any disagreement, gap or duplicate. Output is
// gzip'd JSON (zlib writes a zero mtime, so rebuilding from the same CSVs gives the same bytes).
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
const NB201_SIZE = 15625;
const NB201_DATASETS = ['cifar10', 'cifar100', 'ImageNet16-120'];
const TNB101_TASKS = [
  'class_scene',
  'class_object',
  'room_layout',
  'jigsaw',
  'segmentsemantic',
  'normal',
  'autoencoder',
];

// Accuracies are means over at most three seeds of figures with two decimals (resolution 1/300 %):
// four decimals keep every distinct mean distinct and drop the float32 noise of the exports.
const accuracy = (x) => Math.round(x * 1e4) / 1e4;
// Latencies: six significant digits is finer than any timer involved and keeps the five-decimal
// HW-NAS-Bench values (eyeriss, fpga, pixel3) and the near-zero pixel3/raspi4 entries intact.
const latency = (x) => Number(x.toPrecision(6));
// TransNAS-Bench values are float32: seven significant digits is all they hold.
const float32 = (x) => Number(x.toPrecision(7));
// Stored zero-cost proxy values: seven significant digits rank them as the source does; NASLib marks
// failures with -1e8, -inf or an empty field, kept as null.
const proxyValue = (text) => {
  const x = Number(text);
  return text === '' || !Number.isFinite(x) || x === -1e8 ? null : float32(x);
};
const NB201_STORED_PROXIES = [
  'epe_nas',
  'fisher',
  'flops',
  'grad_norm',
  'grasp',
  'jacov',
  'l2_norm',
  'nwot',
  'params',
  'plain',
  'snip',
  'synflow',
  'zen',
];

function argument(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function fail(message) {
  throw new Error(`build-benchmark-data: ${message}`);
}

/** Rows of a CSV file as objects keyed by the header; handles double-quoted fields. */
function readCsv(file) {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.length > 0);
  const split = (line) => {
    const fields = [];
    let field = '';
    let quoted = false;
    for (const c of line) {
      if (c === '"') quoted = !quoted;
      else if (c === ',' && !quoted) {
        fields.push(field);
        field = '';
      } else field += c;
    }
    fields.push(field);
    return fields;
  };
  const header = split(lines[0]);
  return lines.slice(1).map((line, i) => {
    const fields = split(line);
    if (fields.length !== header.length)
      fail(`${file}:${i + 2} has ${fields.length} fields, the header ${header.length}`);
    return Object.fromEntries(header.map((name, j) => [name, fields[j]]));
  });
}

function number(text, where) {
  const x = Number(text);
  if (text === '' || !Number.isFinite(x)) fail(`${where}: '${text}' is not a number`);
  return x;
}

/** `|a~0|+|b~0|c~1|+|d~0|e~1|f~2|` -> sum of op_i * 5^i over the six edges in string order. */
function nb201Code(arch) {
  const match = /^\|(\w+)~0\|\+\|(\w+)~0\|(\w+)~1\|\+\|(\w+)~0\|(\w+)~1\|(\w+)~2\|$/.exec(arch);
  if (!match) fail(`'${arch}' is not an NB201 architecture string`);
  return match.slice(1).reduce((code, op, i) => {
    const k = NB201_OPS.indexOf(op);
    if (k < 0) fail(`'${arch}': unknown op '${op}'`);
    return code + k * 5 ** i;
  }, 0);
}

/** Checks that `arch` is the architecture the index -> code table holds for `index`. */
function checkIndex(codes, index, arch, where) {
  if (!Number.isInteger(index) || index < 0 || index >= NB201_SIZE)
    fail(`${where}: index ${index} out of range`);
  if (codes[index] !== nb201Code(arch))
    fail(`${where}: index ${index} is '${arch}' here but not in the 200-epoch table`);
}

function buildNb201(source) {
  // The 200-epoch test table has no index column: its row order is the NATS-Bench index, and the
  // other files (which do carry the index) are checked against it.
  const testRows = readCsv(path.join(source, 'nb201/nb201_test_acc_200ep.csv'));
  if (testRows.length !== NB201_SIZE)
    fail(`nb201_test_acc_200ep.csv has ${testRows.length} rows, expected ${NB201_SIZE}`);
  const codes = testRows.map((row) => nb201Code(row.ArchitectureString));
  if (new Set(codes).size !== NB201_SIZE) fail('nb201_test_acc_200ep.csv repeats an architecture');
  const column = () => new Array(NB201_SIZE).fill(null);
  const metrics = {
    test200: Object.fromEntries(NB201_DATASETS.map((d) => [d, column()])),
    valid200: Object.fromEntries(NB201_DATASETS.map((d) => [d, column()])),
    test12: Object.fromEntries(NB201_DATASETS.map((d) => [d, column()])),
    valid12: Object.fromEntries(NB201_DATASETS.map((d) => [d, column()])),
  };
  const testColumns = {
    cifar10: 'CIFAR10TestAccuracy200Epochs',
    cifar100: 'CIFAR100TestAccuracy200Epochs',
    'ImageNet16-120': 'ImageNetTestAccuracy200Epochs',
  };
  testRows.forEach((row, i) => {
    for (const d of NB201_DATASETS)
      metrics.test200[d][i] = accuracy(number(row[testColumns[d]], `test200 row ${i}`));
  });

  for (const row of readCsv(path.join(source, 'nb201/nb201_valid_acc_zen.csv'))) {
    const index = number(row.nb201_index, 'valid200 index');
    checkIndex(codes, index, row.nb201_arch_str, 'nb201_valid_acc_zen.csv');
    if (!metrics.valid200[row.task]) fail(`nb201_valid_acc_zen.csv: unknown task '${row.task}'`);
    if (metrics.valid200[row.task][index] !== null)
      fail(`nb201_valid_acc_zen.csv: ${row.task} index ${index} appears twice`);
    metrics.valid200[row.task][index] = accuracy(number(row.val_accuracy, `valid200 ${row.task} ${index}`));
  }

  const lowColumns = {
    cifar10: ['cifar10-test', 'cifar10-val'],
    cifar100: ['cifar100-test', 'cifar100-val'],
    'ImageNet16-120': ['imagenet-test', 'imagenet-val'],
  };
  for (const row of readCsv(path.join(source, 'nb201/nb201_12ep_accs.csv'))) {
    const index = number(row.index, '12ep index');
    checkIndex(codes, index, row.cellstr, 'nb201_12ep_accs.csv');
    for (const d of NB201_DATASETS) {
      if (metrics.test12[d][index] !== null) fail(`nb201_12ep_accs.csv: index ${index} appears twice`);
      metrics.test12[d][index] = accuracy(number(row[lowColumns[d][0]], `test12 ${d} ${index}`));
      metrics.valid12[d][index] = accuracy(number(row[lowColumns[d][1]], `valid12 ${d} ${index}`));
    }
  }
  for (const [metric, byDataset] of Object.entries(metrics)) {
    for (const [d, values] of Object.entries(byDataset)) {
      const missing = values.indexOf(null);
      if (missing >= 0) fail(`${metric} ${d}: no value for index ${missing}`);
    }
  }
  return { codes, metrics };
}

function buildLatency(source, codes) {
  const rows = readCsv(path.join(source, 'latency/nb201_latency_27devices.csv'));
  const devices = Object.keys(rows[0]).filter((name) => name !== 'nb201_index' && name !== 'arch_str');
  const latencyMs = Object.fromEntries(devices.map((d) => [d, new Array(NB201_SIZE).fill(null)]));
  for (const row of rows) {
    const index = number(row.nb201_index, 'latency index');
    checkIndex(codes, index, row.arch_str, 'nb201_latency_27devices.csv');
    for (const d of devices) {
      if (latencyMs[d][index] !== null) fail(`latency: index ${index} appears twice`);
      latencyMs[d][index] = latency(number(row[d], `latency ${d} ${index}`));
    }
  }
  for (const d of devices) if (latencyMs[d].includes(null)) fail(`latency ${d}: missing indices`);
  return { devices, latencyMs };
}

/**
 * NB201 CIFAR-10 figures zero-cost proxies are checked against: the parameter count (millions) of every
 * network, and NASLib's stored proxy values for the architectures it scored on CIFAR-10.
 */
function buildNb201ZeroCost(source, codes) {
  const params = new Array(NB201_SIZE).fill(null);
  for (const row of readCsv(path.join(source, 'nb201/nb201_cifar10_valid_naswot.csv'))) {
    const index = number(row.arch, 'naswot index');
    checkIndex(codes, index, row.cellstr, 'nb201_cifar10_valid_naswot.csv');
    if (params[index] !== null) fail(`nb201_cifar10_valid_naswot.csv: index ${index} appears twice`);
    params[index] = number(row.params, `params ${index}`);
  }
  const missing = params.indexOf(null);
  if (missing >= 0) fail(`nb201_cifar10_valid_naswot.csv: no params for index ${missing}`);
  const rows = readCsv(path.join(source, 'nb201/nb201_zero_cost_13proxies_partial.csv'))
    .filter((row) => row.dataset === 'cifar10')
    .map((row) => {
      const index = number(row.nb201_index, '13 proxies index');
      checkIndex(codes, index, row.nb201_arch_str, 'nb201_zero_cost_13proxies_partial.csv');
      return { index, row };
    })
    .sort((a, b) => a.index - b.index);
  const indices = rows.map((r) => r.index);
  if (new Set(indices).size !== indices.length)
    fail('nb201_zero_cost_13proxies_partial.csv: a cifar10 index appears twice');
  const values = Object.fromEntries(
    NB201_STORED_PROXIES.map((name) => [name, rows.map((r) => proxyValue(r.row[name]))]),
  );
  return { params, stored: { dataset: 'cifar10', indices, values } };
}

/** One TransNAS-Bench-101 space: the architecture strings (sorted) and a value column per task. */
function buildTnb101(file, pattern) {
  const byTask = new Map(TNB101_TASKS.map((t) => [t, new Map()]));
  for (const row of readCsv(file)) {
    // NASLib's file also holds a few hundred rows of other data sets (ninapro, svhn, scifar100) on
    // this space; they are not TransNAS-Bench-101 tasks.
    if (!byTask.has(row.task)) continue;
    if (!pattern.test(row.tnb101_arch_str))
      fail(`${file}: '${row.tnb101_arch_str}' does not match ${pattern}`);
    const values = byTask.get(row.task);
    if (values.has(row.tnb101_arch_str)) fail(`${file}: ${row.task} '${row.tnb101_arch_str}' appears twice`);
    values.set(row.tnb101_arch_str, float32(number(row.val_accuracy, `${file} ${row.task}`)));
  }
  const archs = [...byTask.get(TNB101_TASKS[0]).keys()].sort();
  const values = {};
  for (const [task, map] of byTask) {
    if (map.size !== archs.length || archs.some((a) => !map.has(a)))
      fail(`${file}: task ${task} covers other architectures than ${TNB101_TASKS[0]}`);
    values[task] = archs.map((a) => map.get(a));
  }
  return { tasks: TNB101_TASKS, archs, values };
}

function writeGzipJson(file, value) {
  const bytes = zlib.gzipSync(JSON.stringify(value), { level: 9 });
  fs.writeFileSync(file, bytes);
  console.log(`${path.relative(process.cwd(), file)}: ${(bytes.length / 1024).toFixed(0)} KiB`);
}

function main() {
  const source = argument('source', path.join(__dirname, '..', '..', 'shared', 'data'));
  const out = argument('out', path.join(__dirname, '..', 'data', 'benchmarks'));
  fs.mkdirSync(out, { recursive: true });
  const nb201 = buildNb201(source);
  writeGzipJson(path.join(out, 'nb201.json.gz'), {
    format: 'torchnas/nb201@1',
    ops: NB201_OPS,
    datasets: NB201_DATASETS,
    ...nb201,
  });
  writeGzipJson(path.join(out, 'nb201-zero-cost.json.gz'), {
    format: 'torchnas/nb201-zero-cost@1',
    ...buildNb201ZeroCost(source, nb201.codes),
  });
  writeGzipJson(path.join(out, 'nb201-latency.json.gz'), {
    format: 'torchnas/nb201-latency@1',
    ...buildLatency(source, nb201.codes),
  });
  writeGzipJson(path.join(out, 'tnb101-micro.json.gz'), {
    format: 'torchnas/tnb101@1',
    space: 'micro',
    ...buildTnb101(path.join(source, 'tnb101/tnb101_micro.csv'), /^64-41414-[0-3]_[0-3]{2}_[0-3]{3}$/),
  });
  writeGzipJson(path.join(out, 'tnb101-macro.json.gz'), {
    format: 'torchnas/tnb101@1',
    space: 'macro',
    ...buildTnb101(path.join(source, 'tnb101/tnb101_macro.csv'), /^64-[1-4]{4,6}-basic$/),
  });
}

main();
