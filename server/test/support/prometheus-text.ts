// A strict reader of Prometheus's text exposition format (version 0.0.4), so that a test fails
// on a scrape a Prometheus server would refuse: every line a HELP, a TYPE or a sample; every
// sample of a family whose TYPE came first (empty lines are allowed); names, labels and values as the format spells them;
// each histogram's buckets cumulative and ending in +Inf at its count.
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
// Prometheus reads values with Go's ParseFloat, which takes NaN and Inf in any case (prom-client
// writes "Nan" for an event-loop mean with no samples yet)
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?[Ii][Nn][Ff]|[Nn][Aa][Nn])';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (${VALUE})(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  types: Map<string, string>;
  /** The value of the one sample with this name and these labels (others ignored); undefined if none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const parseValue = (text: string) => {
  const word = text.toLowerCase();
  return word === '+inf' || word === 'inf' ? Infinity : word === '-inf' ? -Infinity : word === 'nan' ? NaN : Number(text);
};

export function parsePrometheusText(text: string): Scrape {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [index, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${index + 1}: ${line}`;
    if (line === '') continue; // the format ignores empty lines
    if (line.startsWith('#')) {
      const type = TYPE.exec(line);
      if (type) {
        if (types.has(type[1]!)) throw new Error(`a second TYPE for ${type[1]}, ${where}`);
        types.set(type[1]!, type[2]!);
      } else if (!HELP.test(line)) throw new Error(`not a HELP or TYPE line, ${where}`);
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a sample, ${where}`);
    const [, name, labelText, valueText] = sample;
    const family = [...types.keys()].find((candidate) => (SUFFIXES[types.get(candidate)!] ?? ['']).some((suffix) => name === candidate + suffix));
    if (!family) throw new Error(`a sample without a TYPE before it, ${where}`);
    const labels: Record<string, string> = {};
    for (const match of (labelText ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (match[1]! in labels) throw new Error(`label ${match[1]} twice, ${where}`);
      labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    }
    samples.push({ name: name!, labels, value: parseValue(valueText!) });
  }
  checkHistograms(samples, types);
  const matches = (sample: Sample, labels: Record<string, string>) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value);
  return {
    samples,
    types,
    value: (name, labels = {}) => samples.find((sample) => sample.name === name && matches(sample, labels))?.value,
  };
}

function checkHistograms(samples: Sample[], types: Map<string, string>) {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const sample of samples.filter((candidate) => candidate.name === `${family}_bucket`)) {
      const { le, ...rest } = sample.labels;
      if (le === undefined) throw new Error(`${family}_bucket without le`);
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of series) {
      const counts = buckets.map((bucket) => bucket.value);
      if (counts.some((count, i) => i > 0 && count < counts[i - 1]!)) throw new Error(`${family}${key}: buckets are not cumulative`);
      const last = buckets.at(-1)!;
      const count = samples.find((sample) => sample.name === `${family}_count` && JSON.stringify(sample.labels) === key);
      if (last.labels.le !== '+Inf' || count?.value !== last.value) throw new Error(`${family}${key}: the +Inf bucket is not the count`);
    }
  }
}
