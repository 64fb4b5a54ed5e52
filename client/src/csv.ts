// CSV files made in the browser (a token's usage: exactly the points its chart shows): RFC 4180
// fields, CRLF line ends, and cells a spreadsheet would run as a formula defused. The Activity
// view's export is not made here: the server streams the whole filtered range
// (/activity/export.csv, activity-filter.ts builds the link), where the page holds only the rows
// it has loaded.

type Cell = string | number | null | undefined;

/**
 * One field as RFC 4180 has it: quoted when it holds a comma, a quote or a line break (quotes
 * doubled), and a text starting with = + - @ (or a tab or CR) prefixed with ' so that a
 * spreadsheet does not run it as a formula: audit details and user agents are the client's writing.
 */
export function csvField(value: Cell): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows of fields as a CSV file's text, the header being the first row. */
export function csvText(rows: ReadonlyArray<ReadonlyArray<Cell>>): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Starts a download of `text` as a file, with no round trip to the server. */
export function downloadText(fileName: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
