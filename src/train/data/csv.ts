// Users' own recordings as CSV: a header row, then one sample a row with a
// timestamp column, sensor columns and a label column (and optionally a
// participant column), e.g.
//   timestamp,subject,activity,ax,ay,az
//   0.00,alice,walking,0.12,9.71,0.30
// Columns are found by name (options) or auto-detected from the header:
//   timestamp  timestamp | time | ts | t | time_s | time_ms | ... (any name starting with "time")
//   label      label | activity | class | target
//   subject    subject | participant | user | person | subject_id | user_id
//   channels   every other column.
// Delimiter: ',', ';' or tab, whichever the header uses. Double-quoted fields
// are read as in RFC 4180 (no newlines inside quotes).
// Consecutive rows of one participant and label form a segment; timestamps
// must not go backwards inside one, and a gap of more than `maxGap` (default
// 5x the segment's median sampling interval, in timestamp units) starts a new
// one. Without a subject column each file is one participant, named by the
// file's stem.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { dataError, parseNumber, readDataFile, type Segment, type SensorDataset } from './types.ts';

export interface CsvOptions {
  /** Timestamp column name; false: rows are evenly sampled and carry no time. */
  timestamp?: string | false;
  label?: string;
  /** Participant column name; false: none (each file is one participant). */
  subject?: string | false;
  /** Sensor columns, in this order (default: every other column). */
  channels?: string[];
  /** Class names in label order (default: the names found, sorted). Other names are an error. */
  labels?: string[];
  /** Gap between consecutive timestamps that starts a new segment (timestamp units). */
  maxGap?: number;
  sampleRateHz?: number;
}

const TIMESTAMP_NAMES = /^(timestamp|ts|t|time.*)$/i;
const LABEL_NAMES = /^(label|activity|class|target)$/i;
const SUBJECT_NAMES = /^(subject|participant|user|person)(_?id)?$/i;

/** Splits one CSV line; quoted fields may hold the delimiter and "" for a quote. */
export function splitCsvLine(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

interface Columns {
  timestamp: number;
  label: number;
  subject: number;
  channels: number[];
}

function findColumns(header: string[], o: CsvOptions, file: string): Columns {
  const where = { file, line: 1 };
  const names = header.map((h) => h.trim());
  const byName = (name: string, what: string) => {
    const i = names.indexOf(name);
    if (i < 0) dataError(`no ${what} column named ${JSON.stringify(name)} in the header`, where, name, names.join(','));
    return i;
  };
  const detect = (re: RegExp, taken: number[]) => names.findIndex((n, i) => re.test(n) && !taken.includes(i));
  const label = o.label !== undefined ? byName(o.label, 'label') : detect(LABEL_NAMES, []);
  if (label < 0) dataError('no label column (name it label, activity or class, or pass the label option)', where, 'a label column', names.join(','));
  const timestamp = o.timestamp === false ? -1 : o.timestamp !== undefined ? byName(o.timestamp, 'timestamp') : detect(TIMESTAMP_NAMES, [label]);
  if (timestamp < 0 && o.timestamp !== false) dataError('no timestamp column (name it timestamp or time, or pass timestamp: false)', where, 'a timestamp column', names.join(','));
  const subject = o.subject === false ? -1 : o.subject !== undefined ? byName(o.subject, 'subject') : detect(SUBJECT_NAMES, [label, timestamp]);
  const channels = o.channels ? o.channels.map((c) => byName(c, 'sensor')) : names.map((_, i) => i).filter((i) => i !== label && i !== timestamp && i !== subject);
  if (channels.length === 0) dataError('no sensor columns', where, 'at least one column besides timestamp, label and subject', names.join(','));
  return { timestamp, label, subject, channels };
}

interface Run {
  subject: string;
  labelName: string;
  rows: number[];
  ts: number[];
  lines: number[];
}

/** Parses one CSV file into runs of rows (one participant, one label, time order checked). */
function parseCsv(file: string, o: CsvOptions): { channels: string[]; runs: Run[] } {
  const text = readDataFile(file).toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split('\n');
  const headerLine = lines[0]?.replace(/\r$/, '') ?? '';
  if (headerLine.trim() === '') dataError('the file is empty (a header row is needed)', { file, line: 1 });
  const delimiter = [',', ';', '\t'].map((d) => [d, headerLine.split(d).length] as const).sort((a, b) => b[1] - a[1])[0][0];
  const header = splitCsvLine(headerLine, delimiter);
  const cols = findColumns(header, o, file);
  const defaultSubject = path.basename(file).replace(/\.[^.]*$/, '');
  const runs: Run[] = [];
  let run: Run | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const where = { file, line: i + 1 };
    const fields = splitCsvLine(line, delimiter);
    if (fields.length !== header.length) dataError('the row has a different number of fields than the header', where, `${header.length} fields`, fields.length);
    const subject = cols.subject >= 0 ? fields[cols.subject].trim() : defaultSubject;
    const labelName = fields[cols.label].trim();
    if (labelName === '') dataError('empty label', { ...where, field: header[cols.label] });
    if (subject === '') dataError('empty subject', { ...where, field: header[cols.subject] });
    if (o.labels && !o.labels.includes(labelName)) dataError('label is not one of the labels given', { ...where, field: header[cols.label] }, o.labels.join(', '), JSON.stringify(labelName));
    const ts = cols.timestamp >= 0 ? parseNumber(fields[cols.timestamp], { ...where, field: header[cols.timestamp] }) : i;
    if (!run || run.subject !== subject || run.labelName !== labelName) {
      run = { subject, labelName, rows: [], ts: [], lines: [] };
      runs.push(run);
    } else if (ts < run.ts[run.ts.length - 1]) {
      dataError('timestamps go backwards within a recording', { ...where, field: header[cols.timestamp] }, `>= ${run.ts[run.ts.length - 1]}`, ts);
    }
    run.ts.push(ts);
    run.lines.push(i + 1);
    for (const c of cols.channels) run.rows.push(parseNumber(fields[c], { ...where, field: header[c] }));
  }
  return { channels: cols.channels.map((c) => header[c].trim()), runs };
}

/** Splits a run at gaps wider than maxGap (default 5x its median interval). */
function splitAtGaps(run: Run, channels: number, maxGap: number | undefined): { rows: number[]; start: number; length: number }[] {
  const n = run.ts.length;
  const diffs = run.ts.slice(1).map((t, i) => t - run.ts[i]).sort((a, b) => a - b);
  const limit = maxGap ?? (diffs.length > 0 ? 5 * diffs[Math.floor(diffs.length / 2)] : Infinity);
  const parts: { rows: number[]; start: number; length: number }[] = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || run.ts[i] - run.ts[i - 1] > limit) {
      parts.push({ rows: run.rows.slice(start * channels, i * channels), start, length: i - start });
      start = i;
    }
  }
  return parts;
}

/** Loads one CSV file, or every *.csv in a folder (same sensor columns in each). */
export function loadCsv(fileOrDir: string, options: CsvOptions = {}): SensorDataset {
  let files = [fileOrDir];
  if (statSync(fileOrDir, { throwIfNoEntry: false })?.isDirectory()) {
    files = readdirSync(fileOrDir).filter((f) => f.toLowerCase().endsWith('.csv')).sort().map((f) => path.join(fileOrDir, f));
    if (files.length === 0) dataError('no .csv files in the folder', { file: fileOrDir });
  }
  let channels: string[] | undefined;
  const all: { run: Run; file: string }[] = [];
  for (const file of files) {
    const parsed = parseCsv(file, options);
    if (channels && parsed.channels.join(',') !== channels.join(',')) {
      dataError('the sensor columns differ from the first file', { file, line: 1 }, channels.join(','), parsed.channels.join(','));
    }
    channels = parsed.channels;
    for (const run of parsed.runs) all.push({ run, file });
  }
  const labels = options.labels ?? [...new Set(all.map((r) => r.run.labelName))].sort();
  const segments: Segment[] = [];
  for (const { run, file } of all) {
    for (const part of splitAtGaps(run, channels!.length, options.maxGap)) {
      segments.push({ subject: run.subject, label: labels.indexOf(run.labelName), data: Float32Array.from(part.rows), length: part.length, source: `${file}:${run.lines[part.start]}` });
    }
  }
  return { channels: channels!, labels, segments, ...(options.sampleRateHz !== undefined ? { sampleRateHz: options.sampleRateHz } : {}) };
}
