/* The build-time transform on sample sources: what it rewrites, what it refuses and how it says so. */
import { describe, expect, it } from 'vitest';
import { compileWithRecords } from '../testing/codec-for';
import { RecordsBuildError } from './transformer';

const FROM = "'../../index'"; // store/records/index.ts, seen from build/__virtual__/

const CONTACT = `
interface Contact { mail: string; name: string; age?: number; tags: string[]; vip: boolean }
`;

function buildError(files: Record<string, string>): RecordsBuildError {
  try {
    compileWithRecords(files);
  } catch (e) {
    if (e instanceof RecordsBuildError) return e;
    throw e;
  }
  throw new Error('compiled without error');
}

describe('records transform', () => {
  it('adds a generated codec to db.records<T>() and to records<T>(), one per type and file', () => {
    const out = compileWithRecords({
      'app.ts': `import { openStore, records as rec, type RecordStore } from ${FROM};
${CONTACT}
interface Note { id: number; text: string }
export async function main(db: RecordStore) {
  const contacts = db.records<Contact>('contacts', { key: 'mail', index: ['name', 'age'] });
  const again = rec<Contact>('contacts', { key: 'mail', store: db });
  const notes = db.records<Note>('notes', { key: 'id' });
  return [contacts, again, notes, openStore];
}
`,
    })['app.ts'];
    expect(out).toMatch(/db\.records\('contacts', \{ key: 'mail', index: \['name', 'age'\] \}, records_codec_1\)/);
    expect(out).toMatch(/rec\('contacts', \{ key: 'mail', store: db \}, records_codec_1\)/);
    expect(out).toMatch(/db\.records\('notes', \{ key: 'id' \}, records_codec_2\)/);
    expect(out.match(/var records_codec_\d = \(function \(\) \{/g)).toHaveLength(2);
    // Hoisted after the imports, before the module's own code.
    expect(out.indexOf('var records_codec_1')).toBeLessThan(out.indexOf('function main'));
    expect(out.indexOf('import')).toBeLessThan(out.indexOf('var records_codec_1'));
    // ES5: the generated code and the app's own code alike.
    expect(out).not.toMatch(/=>|\bconst\b|\blet\b|`/);
    expect(out).toContain('schema: "{\\"age\\"?:number;\\"mail\\":string;\\"name\\":string;\\"tags\\":string[];\\"vip\\":boolean}"');
  });

  it('recognises records imported from nymote', () => {
    const out = compileWithRecords({
      'app.ts': `import { defineApp, openStore } from 'nymote';
${CONTACT}
export default defineApp({ name: 'x', needs: { data: 'block' }, async main({ data }) {
  const db = await openStore(data);
  db.records<Contact>('contacts', { key: 'mail' });
} });
`,
    })['app.ts'];
    expect(out).toMatch(/db\.records\('contacts', \{ key: 'mail' \}, records_codec_1\)/);
  });

  it('leaves other functions named records, and calls that already pass a codec, alone', () => {
    const out = compileWithRecords({
      'app.ts': `import type { RecordStore, RecordCodec } from ${FROM};
${CONTACT}
function records<T>(name: string, o: object): T[] { return []; }
export function f(db: RecordStore, codec: RecordCodec<Contact>) {
  records<Contact>('x', {});
  return db.records<Contact>('c', { key: 'mail' }, codec);
}
`,
    })['app.ts'];
    expect(out).not.toContain('records_codec');
  });

  it('names the file, line and field of a type records cannot hold', () => {
    const e = buildError({
      'app.ts': `import type { RecordStore } from ${FROM};
interface Contact { mail: string; callback: () => void }
export function f(db: RecordStore) {
  return db.records<Contact>('contacts', { key: 'mail' });
}
`,
    });
    expect(e.message).toBe('store/records/build/__virtual__/app.ts:4: records<Contact>: Contact.callback is a function; records hold data only');
    expect(e.line).toBe(4);
    expect(e.column).toBe(20);
  });

  it('checks the key and indexes against the type', () => {
    const call = (options: string) => buildError({
      'app.ts': `import type { RecordStore } from ${FROM};
${CONTACT}
export function f(db: RecordStore) {
  return db.records<Contact>('contacts', ${options} as never);
}
`,
    }).message.replace(/^.*?:\d+: /, '');
    expect(call("{ key: 'email' }")).toBe('records<Contact>: key "email" is not a field of Contact (fields: age, mail, name, tags, vip)');
    expect(call("{ key: 'age' }")).toBe('records<Contact>: key "age" of Contact is optional; a key must always be present');
    expect(call("{ key: 'vip' }")).toBe('records<Contact>: key "vip" of Contact has type boolean; a key must be a string or a number');
    expect(call("{ key: 'mail', index: ['name', 'tags'] }")).toBe('records<Contact>: index "tags" of Contact has type an array; an indexed field must be a string or a number');
  });

  it('asks for a concrete type argument', () => {
    const generic = buildError({
      'app.ts': `import type { RecordStore } from ${FROM};
export function open<T>(db: RecordStore) { return db.records<T>('x', { key: 'id' } as never); }
`,
    });
    expect(generic.message).toMatch(/app\.ts:2: records<T>: T is the type parameter T; records<T> needs a concrete type where it is called$/);
    const none = buildError({
      'app.ts': `import type { RecordStore } from ${FROM};
export function open(db: RecordStore) { return db.records('x', { key: 'id' } as never); }
`,
    });
    expect(none.message).toMatch(/app\.ts:2: records needs its type argument/);
    const scalar = buildError({
      'app.ts': `import type { RecordStore } from ${FROM};
export function open(db: RecordStore) { return db.records<string>('x', { key: 'id' } as never); }
`,
    });
    expect(scalar.message).toMatch(/records<string>: a record is an object type with a key field, not string$/);
  });
});
