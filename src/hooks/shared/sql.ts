// SQL text as it may leave the process: every literal becomes `?`, comments
// go, `IN (…)` lists collapse; placeholders ($1, ?, :name) and identifiers stay.
// Also the operation and the main table, for db.query.summary and the span name.
// One pass over the text, no regular expressions on the hot path.

export type SqlDialect = 'postgresql' | 'mysql' | 'sqlite';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === 36 || c > 127;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Index after a quoted run starting at i (the opening quote), honouring doubled quotes and, where asked, backslashes. */
function skipQuoted(sql: string, i: number, quote: number, backslash: boolean): number {
  let j = i + 1;
  while (j < sql.length) {
    const c = sql.charCodeAt(j);
    if (backslash && c === 92) j += 2;
    else if (c === quote) {
      if (sql.charCodeAt(j + 1) === quote) j += 2;
      else return j + 1;
    } else j++;
  }
  return j;
}

/** Index after a PostgreSQL block comment starting at i, nested comments included. */
function skipNestedComment(sql: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < sql.length) {
    const c = sql.charCodeAt(j);
    if (c === 47 && sql.charCodeAt(j + 1) === 42) {
      depth++;
      j += 2;
    } else if (c === 42 && sql.charCodeAt(j + 1) === 47) {
      j += 2;
      if (--depth === 0) return j;
    } else j++;
  }
  return j;
}

/** Is the `-` ending `out` a sign (`= -5`) rather than a subtraction (`a - 5`)? */
function isUnaryMinus(out: string): boolean {
  let k = out.length - 2;
  while (k >= 0 && out.charCodeAt(k) === 32) k--;
  if (k < 0) return true;
  const c = out.charCodeAt(k);
  return !(isIdentChar(c) || c === 41 /* ) */ || c === 93 /* ] */ || c === 63 /* ? */);
}

/** Replaces literals with `?` and drops comments. */
export function sanitizeSql(sql: string, dialect: SqlDialect = 'postgresql'): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  // MySQL strings take backslash escapes and double quotes are strings (unless ANSI_QUOTES).
  const mysql = dialect === 'mysql';
  while (i < n) {
    const c = sql.charCodeAt(i);
    const next = sql.charCodeAt(i + 1);
    // -- comment (and MySQL's #)
    if ((c === 45 && next === 45) || (mysql && c === 35)) {
      while (i < n && sql.charCodeAt(i) !== 10) i++;
      continue;
    }
    // /* comment */ (PostgreSQL nests them: the comment ends at the matching */)
    if (c === 47 && next === 42) {
      if (dialect === 'postgresql') i = skipNestedComment(sql, i);
      else {
        const end = sql.indexOf('*/', i + 2);
        i = end === -1 ? n : end + 2;
      }
      out += ' ';
      continue;
    }
    // 'string', E'string', X'hex', B'bits', N'national'
    if (c === 39) {
      i = skipQuoted(sql, i, 39, mysql);
      out += '?';
      continue;
    }
    if (
      (c === 69 || c === 101 || c === 88 || c === 120 || c === 66 || c === 98 || c === 78 || c === 110) &&
      next === 39 &&
      !isIdentChar(sql.charCodeAt(i - 1))
    ) {
      i = skipQuoted(sql, i + 1, 39, mysql || c === 69 || c === 101);
      out += '?';
      continue;
    }
    // "identifier" (string in MySQL) and `identifier`
    if (c === 34) {
      const end = skipQuoted(sql, i, 34, mysql);
      out += mysql ? '?' : sql.slice(i, end);
      i = end;
      continue;
    }
    if (c === 96) {
      const end = skipQuoted(sql, i, 96, false);
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    // $$dollar-quoted$$ / $tag$…$tag$ strings (PostgreSQL); $1 placeholders stay.
    if (c === 36 && !isDigit(next) && !isIdentChar(sql.charCodeAt(i - 1))) {
      let j = i + 1;
      while (j < n && isIdentChar(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 36) j++;
      if (sql.charCodeAt(j) === 36) {
        const tag = sql.slice(i, j + 1);
        const end = sql.indexOf(tag, j + 1);
        i = end === -1 ? n : end + tag.length;
        out += '?';
        continue;
      }
    }
    // numbered placeholders ?1 (SQLite) keep their number
    if (c === 63 && isDigit(next)) {
      let j = i + 1;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      out += sql.slice(i, j);
      i = j;
      continue;
    }
    if (c === 36 && isDigit(next)) {
      // placeholder $1
      let j = i + 1;
      while (j < n && isDigit(sql.charCodeAt(j))) j++;
      out += sql.slice(i, j);
      i = j;
      continue;
    }
    // numbers (not part of an identifier): 42, -1.5e3, .5, 0xFF, 0b101
    if ((isDigit(c) || (c === 46 && isDigit(next))) && !isIdentChar(sql.charCodeAt(i - 1))) {
      // Digits may be grouped with underscores (PostgreSQL 16: 1_000_000, 0x1F_FF): all of it is the literal.
      let j = i;
      if (c === 48 && (next === 120 || next === 88 || next === 111 || next === 79 || next === 98 || next === 66) && isHexDigit(sql.charCodeAt(i + 2))) {
        // 0x1F, 0o17, 0b101 (letters after 0o/0b are caught too: nothing of the literal is kept)
        j += 2;
        while (j < n && (isHexDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === 95)) j++;
      } else {
        while (j < n && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46 || (sql.charCodeAt(j) === 95 && isDigit(sql.charCodeAt(j + 1))))) j++;
        if (sql.charCodeAt(j) === 101 || sql.charCodeAt(j) === 69) {
          let k = j + 1;
          if (sql.charCodeAt(k) === 43 || sql.charCodeAt(k) === 45) k++;
          if (isDigit(sql.charCodeAt(k))) {
            j = k;
            while (j < n && isDigit(sql.charCodeAt(j))) j++;
          }
        }
      }
      // A minus sign directly before a literal belongs to it: `= -5` → `= ?`
      if (out.endsWith('-') && isUnaryMinus(out)) out = out.slice(0, -1);
      out += '?';
      i = j;
      continue;
    }
    // identifiers and keywords pass through whole (so digits inside them are kept)
    if (isIdentChar(c)) {
      let j = i + 1;
      while (j < n && isIdentChar(sql.charCodeAt(j))) j++;
      out += sql.slice(i, j);
      i = j;
      continue;
    }
    out += sql[i];
    i++;
  }
  return collapseInLists(out.replace(/\s+/g, ' ').trim());
}

/** `IN (?, ?, ?)` → `IN (?)`; also lists of placeholders. */
function collapseInLists(sql: string): string {
  return sql.replace(/\bIN\s*\(\s*(?:\?\d*|\$\d+)(?:\s*,\s*(?:\?\d*|\$\d+))*\s*\)/gi, (m) => `${m.slice(0, 2)} (?)`);
}

const OPERATIONS = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'UPSERT',
  'REPLACE',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'WITH',
  'CALL',
  'EXEC',
  'EXECUTE',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SHOW',
  'SET',
  'EXPLAIN',
  'GRANT',
  'REVOKE',
  'COPY',
  'VACUUM',
  'ANALYZE',
  'PRAGMA',
  'LISTEN',
  'NOTIFY',
  'DESCRIBE',
  'USE',
  'START',
  'SAVEPOINT',
  'RELEASE',
  'LOCK',
]);

export interface SqlSummary {
  operation?: string;
  collection?: string;
  summary?: string;
}

const NAME = '((?:[`"]?[\\w$]+[`"]?\\.)?[`"]?[\\w$]+[`"]?)';
const FROM_TARGET = new RegExp(`\\bFROM\\s+${NAME}`, 'i');
const INTO_TARGET = new RegExp(`\\bINTO\\s+${NAME}`, 'i');
const UPDATE_TARGET = new RegExp(`^\\s*UPDATE\\s+(?:ONLY\\s+)?${NAME}`, 'i');
const FIRST_WORD = /^\s*\(?\s*([A-Za-z]+)/;

function unquote(name: string): string {
  return name.replace(/^[`"[]|[`"\]]$/g, '');
}

/**
 * The operation (first keyword) and the main table, read from sanitised text:
 * `SELECT … FROM users` → {operation: SELECT, collection: users, summary: "SELECT users"}.
 */
export function summarizeSql(sanitized: string): SqlSummary {
  const first = FIRST_WORD.exec(sanitized);
  if (first === null) return {};
  let operation = first[1].toUpperCase();
  if (!OPERATIONS.has(operation)) return {};
  let target: RegExpExecArray | null = null;
  switch (operation) {
    case 'SELECT':
    case 'DELETE':
      target = FROM_TARGET.exec(sanitized);
      break;
    case 'INSERT':
    case 'REPLACE':
    case 'UPSERT':
      target = INTO_TARGET.exec(sanitized);
      break;
    case 'UPDATE':
      target = UPDATE_TARGET.exec(sanitized);
      break;
    case 'CREATE':
    case 'DROP':
    case 'ALTER':
    case 'TRUNCATE': {
      const m =
        /^\s*\w+\s+(?:TEMP(?:ORARY)?\s+|UNIQUE\s+)?(TABLE|INDEX|VIEW|SCHEMA|DATABASE|SEQUENCE|FUNCTION|TRIGGER)?\s*(?:IF\s+(?:NOT\s+)?EXISTS\s+)?((?:[`"]?[\w$]+[`"]?\.)?[`"]?[\w$]+[`"]?)?/i.exec(
          sanitized,
        );
      if (m && m[1]) operation = `${operation} ${m[1].toUpperCase()}`;
      if (m && m[2] && !/^(IF|TABLE)$/i.test(m[2])) target = [m[0], m[2]] as unknown as RegExpExecArray;
      break;
    }
    default:
      break;
  }
  const collection = target ? unquote(target[1]) : undefined;
  return { operation, collection, summary: collection ? `${operation} ${collection}` : operation };
}
