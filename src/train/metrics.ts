// Classification metrics, shared by `tinysense train` (report after
// training), `tinysense eval` (the same report from the runtime alone) and
// bench/har-accuracy: accuracy, the confusion matrix, per-class precision,
// recall and F1, and macro-F1 (the unweighted mean of per-class F1 over the
// classes that occur in the labels or the predictions, as scikit-learn's
// f1_score(average='macro') over the labels it sees).

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Windows of this class in the labels. */
  support: number;
}

export interface ClassificationReport {
  count: number;
  accuracy: number;
  macroF1: number;
  labels: string[];
  perClass: ClassMetrics[];
  /** confusion[true][predicted], counts. */
  confusion: number[][];
}

/** Row index of the largest value in each of `rows` rows of `classes` values. */
export function argmaxRows(values: Float32Array, rows: number, classes: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (values[r * classes + j] > values[r * classes + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** Counts [true][predicted] over `classes` classes. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]][predicted[i]]++;
  return m;
}

/** The report of a confusion matrix (rows: truth, columns: predictions). */
export function reportFromConfusion(confusion: number[][], labels: string[]): ClassificationReport {
  const k = confusion.length;
  let total = 0;
  let correct = 0;
  const perClass: ClassMetrics[] = [];
  let f1Sum = 0;
  let seen = 0;
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += confusion[c][j];
      predicted += confusion[j][c];
    }
    total += support;
    correct += tp;
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ label: labels[c] ?? String(c), precision, recall, f1, support });
    if (support > 0 || predicted > 0) {
      f1Sum += f1;
      seen++;
    }
  }
  return { count: total, accuracy: total > 0 ? correct / total : 0, macroF1: seen > 0 ? f1Sum / seen : 0, labels: perClass.map((c) => c.label), perClass, confusion };
}

export function classificationReport(truth: ArrayLike<number>, predicted: ArrayLike<number>, labels: string[]): ClassificationReport {
  return reportFromConfusion(confusionMatrix(truth, predicted, labels.length), labels);
}

/** The report as text: headline, per-class table, confusion matrix (rows true, columns predicted). */
export function formatReport(r: ClassificationReport, title = 'report'): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}`;
  const w = Math.max(8, ...r.labels.map((l) => l.length));
  const lines = [`${title}: ${r.count} windows, accuracy ${pct(r.accuracy)} %, macro-F1 ${r.macroF1.toFixed(3)}`, ''];
  lines.push(`${'class'.padEnd(w)}  precision  recall     f1  support`);
  for (const c of r.perClass) lines.push(`${c.label.padEnd(w)}  ${pct(c.precision).padStart(9)}  ${pct(c.recall).padStart(6)}  ${c.f1.toFixed(3).padStart(5)}  ${String(c.support).padStart(7)}`);
  lines.push('', 'confusion matrix (rows: true class, columns: predicted, in class order)');
  const cw = Math.max(3, ...r.confusion.flat().map((v) => String(v).length)) + 1;
  lines.push(`${''.padEnd(w + 3)} ${r.labels.map((_, j) => String(j).padStart(cw)).join('')}`);
  r.confusion.forEach((row, i) => lines.push(`${String(i).padStart(2)} ${r.labels[i].padEnd(w)} ${row.map((v) => String(v).padStart(cw)).join('')}`));
  return lines.join('\n');
}
