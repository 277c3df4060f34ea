/**
 * The representation of a file a response sends: the file itself, a precompressed sibling, or its
 * compressed form (cached) — each with its own ETag and `Content-Encoding`, sent by the one engine.
 */
import { open } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { sameIdentity, type BlockCache } from '../fs/cache/blocks.js';
import { fileETag } from '../http/etag.js';
import { closeSource, type FileSource } from '../respond/body.js';
import { bufferRepresentation, fileRepresentation, type Representation } from '../respond/representation.js';
import { compressedFile } from './compress.js';
import { chooseEncoding, encodedETag, isCompressible, type Sibling, type SiblingIndex } from './encoding.js';

export interface Chosen {
  readonly rep: Representation;
  /** The choice depended on `Accept-Encoding`: the response carries `Vary: Accept-Encoding`. */
  readonly vary: boolean;
}

export interface RepresentInput {
  readonly file: FileSource;
  readonly type: string;
  readonly headers: IncomingHttpHeaders;
  readonly blocks: BlockCache;
  /** `null`: compression off (`--no-compress`). */
  readonly siblings: SiblingIndex | null;
}

/**
 * Pick and open the representation of `file` for this request; `null` when the client accepts none
 * (406). Takes ownership of `file.fh`: it ends up in the returned representation or is closed here.
 */
export async function representFile(input: RepresentInput): Promise<Chosen | null> {
  const { file, type, blocks } = input;
  const identity = (): Representation =>
    fileRepresentation(
      { fh: file.fh, lease: file.lease, abs: file.abs, stat: file.stat, id: file.id, etag: file.etag, type },
      blocks,
    );
  const compressible = input.siblings !== null && isCompressible(type);
  const choice = chooseEncoding({
    contentType: type,
    size: file.stat.size,
    acceptEncoding: input.headers['accept-encoding'],
    ranged: input.headers.range !== undefined,
    enabled: input.siblings !== null,
    siblings: compressible && input.siblings ? await input.siblings.find(file.abs, file.stat) : [],
  });
  switch (choice.kind) {
    case 'identity':
      return { rep: identity(), vary: choice.vary };
    case 'none-acceptable':
      await closeSource(file);
      return null;
    case 'sibling': {
      const rep = await siblingRepresentation(choice.sibling, type, blocks);
      if (rep) {
        await closeSource(file);
        return { rep, vary: true };
      }
      input.siblings?.forget(file.abs); // changed or gone since the lookup: the file itself, this time
      return { rep: identity(), vary: true };
    }
    case 'compress': {
      const whole = identity();
      let body: Buffer;
      try {
        body = await compressedFile(blocks, file.stat, choice.coding, () => collect(whole.read(null)));
      } finally {
        await whole.close();
      }
      const etag = encodedETag(fileETag(file.stat.size, file.stat.mtimeMs), choice.coding, true);
      const modifiedMs = Math.min(file.stat.mtimeMs, Date.now());
      return { rep: bufferRepresentation(body, { type, etag, encoding: choice.coding, modifiedMs }), vary: true };
    }
  }
}

/** The sibling, opened and confirmed to be the file that was looked up; `null` if it changed or vanished. */
async function siblingRepresentation(
  sibling: Sibling,
  type: string,
  blocks: BlockCache,
): Promise<Representation | null> {
  const fh = await open(sibling.abs, 'r').catch(() => null);
  if (!fh) return null;
  const stat = await fh.stat().catch(() => null);
  if (!stat || !sameIdentity(stat, sibling.stat)) {
    await fh.close();
    return null;
  }
  const rep = fileRepresentation({ fh, abs: sibling.abs, stat, type }, blocks);
  const etag = encodedETag(fileETag(stat.size, stat.mtimeMs), sibling.coding, false);
  return { ...rep, encoding: sibling.coding, etag };
}

async function collect(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
