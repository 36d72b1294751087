// Readers follow symbolic links (to files and folders, as torchvision does); a link that leads
// nowhere or loops is bad input naming it. Tiny ImageNet's val_annotations.txt cannot reach
// outside val/images, counts an image named twice once, and names both lines of an image given
// two classes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { imageFolderReader } from '../../../src/data/readers/image-folder.js';
import { tinyImageNetReader } from '../../../src/data/readers/tiny-imagenet.js';
import { resolvedDataset } from '../../helpers/dataset.js';
import { buildTinyImageNet, type TinyImageNetTree } from '../../helpers/tiny-imagenet.js';

const message = async (p: Promise<unknown>): Promise<string> => {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(InputError);
  return (e as Error).message;
};

/** root/<class>/ trees, outside/ holding what links point at. */
function folders(): { root: string; outside: string } {
  const top = mkdtempSync(join(tmpdir(), 'pipe-links-'));
  const root = join(top, 'root');
  const outside = join(top, 'outside');
  for (const d of [join(root, 'cat'), join(root, 'dog'), join(outside, 'bird')]) mkdirSync(d, { recursive: true });
  for (const f of [join(root, 'cat', 'a.png'), join(root, 'dog', 'a.png'), join(outside, 'x.png'), join(outside, 'bird', 'b.png')]) writeFileSync(f, '');
  return { root, outside };
}
const listTrain = (root: string) => imageFolderReader.list(resolvedDataset({ format: 'image-folder', root }), 'train');

describe('symbolic links in an image folder', () => {
  it('a link to an image is an image, a link to a folder a class folder, wherever they point', async () => {
    const { root, outside } = folders();
    symlinkSync(join(outside, 'x.png'), join(root, 'cat', 'b.png'));
    symlinkSync(join(outside, 'bird'), join(root, 'bird'));
    const listing = await listTrain(root);
    expect(listing.classNames).toEqual(['bird', 'cat', 'dog']);
    expect(listing.images.files).toEqual([join(root, 'bird', 'b.png'), join(root, 'cat', 'a.png'), join(root, 'cat', 'b.png'), join(root, 'dog', 'a.png')]);
    expect(Array.from(listing.labels!)).toEqual([0, 1, 1, 2]);
  });

  it.each([
    ['an image link whose target is gone', (root: string) => symlinkSync(join(root, 'gone.png'), join(root, 'cat', 'c.png')), 'cat/c.png', 'leads nowhere (its target is missing)'],
    ['a class-folder link whose target is gone', (root: string) => symlinkSync(join(root, 'gone'), join(root, 'fish')), 'fish', 'leads nowhere (its target is missing)'],
    ['an image link to itself', (root: string) => symlinkSync(join(root, 'cat', 'c.png'), join(root, 'cat', 'c.png')), 'cat/c.png', 'is a loop (it leads back to itself)'],
    ['two folder links to each other', (root: string) => (symlinkSync(join(root, 'q'), join(root, 'p')), symlinkSync(join(root, 'p'), join(root, 'q'))), 'p', 'is a loop (it leads back to itself)'],
  ])('%s is bad input naming the link and its target', async (_what, make, link, why) => {
    const { root } = folders();
    make(root);
    expect(await message(listTrain(root))).toMatch(new RegExp(`^${join(root, link)}: symbolic link to \\S+ ${why.replace(/[()]/g, '\\$&')}`));
  });

  it.each([['train'], ['.']])('a split or root folder that is a link loop (%s) is bad input naming it', async (where) => {
    const { root } = folders();
    const top = join(root, '..');
    const loop = where === '.' ? join(top, 'loop') : join(root, where);
    symlinkSync(loop, loop);
    const m = await message(listTrain(where === '.' ? loop : root));
    expect(m).toContain(`${loop}: `);
    expect(m).toMatch(/loop/);
  });

  it('a dangling link that is not an image (a README link) is ignored', async () => {
    const { root } = folders();
    symlinkSync(join(root, 'gone.txt'), join(root, 'cat', 'README'));
    expect((await listTrain(root)).images.files).toHaveLength(2);
  });
});

describe('val_annotations.txt', () => {
  let tree: TinyImageNetTree;
  let file: string;
  let original: Buffer;
  beforeAll(async () => {
    tree = await buildTinyImageNet({ classes: 2, trainPerClass: 1, valPerClass: 2, test: 0, size: 8 });
    file = join(tree.root, 'val', 'val_annotations.txt');
    original = readFileSync(file);
  });
  afterAll(() => rmSync(tree.root, { recursive: true, force: true }));
  const listVal = async (extra: (lines: string[]) => string[]) => {
    writeFileSync(file, extra(original.toString().trim().split('\n')).join('\n') + '\n');
    try {
      return await tinyImageNetReader.list(resolvedDataset({ format: 'tiny-imagenet', root: tree.root }), 'val');
    } finally {
      writeFileSync(file, original);
    }
  };

  it.each([
    ['../../etc/passwd'],
    ['../images/../../wnids.txt'],
    ['sub/../../x.JPEG'],
    ['/etc/passwd'],
    ['..\\\\x.JPEG'],
  ])("a file name leaving val/images (%s) is an error at its line", async (name) => {
    const m = await message(listVal((lines) => [...lines, `${name}\t${lines[0].split('\t')[1]}\t0\t0\t1\t1`]));
    expect(m).toBe(`${file}:5:1: '${name}' leaves val/images (name a file inside val/images, relative to it, without ..)`);
  });

  it.each([['../../etc'], ['..'], ['a/b'], ['.']])("a class id in wnids.txt that is not a folder name (%s) is an error at its line", async (wnid) => {
    const wnids = join(tree.root, 'wnids.txt');
    const before = readFileSync(wnids);
    writeFileSync(wnids, `${before.toString().trim()}\n${wnid}\n`);
    try {
      const m = await message(tinyImageNetReader.list(resolvedDataset({ format: 'tiny-imagenet', root: tree.root }), 'train'));
      expect(m).toBe(`${wnids}:3:1: '${wnid}' is not a class id (it would name a folder outside train/) (a class id is a folder name, e.g. n01443537)`);
    } finally {
      writeFileSync(wnids, before);
    }
  });

  it('a line given twice counts its image once', async () => {
    const plain = await listVal((lines) => lines);
    const twice = await listVal((lines) => [...lines, lines[1], lines[0]]);
    expect(twice.images.files).toEqual(plain.images.files);
    expect(Array.from(twice.labels!)).toEqual(Array.from(plain.labels!));
  });

  it('one image with two classes is an error naming both lines', async () => {
    let first = '';
    const m = await message(listVal((lines) => {
      const [name, wnid] = lines[0].split('\t');
      first = wnid;
      const other = lines.map((l) => l.split('\t')[1]).find((w) => w !== wnid)!;
      return [...lines, `${name}\t${other}\t0\t0\t1\t1`];
    }));
    expect(m).toMatch(new RegExp(`^${file}:5:\\d+: 'val_0\\.JPEG' is labelled 'n\\d+' here and '${first}' on line 1 \\(each image has one class\\)$`));
  });
});
