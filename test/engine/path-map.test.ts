import { expect } from 'chai';
import { PathMap } from '../../src/engine/path-map.js';

describe('PathMap', () => {
  it('finds an entry by its whole path or by folder and name, and counts each path once', () => {
    const map = new PathMap<number>();
    map.set('/a/b/c.txt', 1);
    map.set('/a/b/c.txt', 2);
    map.set('/a/d.txt', 3);

    expect(map.get('/a/b/c.txt')).to.equal(2);
    expect(map.getIn('/a/b', 'c.txt')).to.equal(2);
    expect(map.getIn('/a', 'd.txt')).to.equal(3);
    expect(map.get('/a/b')).to.equal(undefined);
    expect(map.size).to.equal(2);
  });

  it('forgets deleted paths, and lists every path with its value', () => {
    const map = new PathMap<string>();
    for (const path of ['/x/1', '/x/2', '/y/z/3']) map.set(path, path.slice(-1));
    map.delete('/x/1');
    map.delete('/x/missing');

    expect([...map.entries()]).to.deep.equal([
      ['/x/2', '2'],
      ['/y/z/3', '3'],
    ]);
    expect(map.size).to.equal(2);
  });

  it('deletes the entries a predicate picks, and drops folders left empty', () => {
    const map = new PathMap<number>();
    for (const [path, value] of [
      ['/a/1', 1],
      ['/a/2', 2],
      ['/b/3', 3],
    ] as const)
      map.set(path, value);

    expect(map.deleteWhere((value) => value !== 2)).to.equal(2);
    expect([...map.entries()]).to.deep.equal([['/a/2', 2]]);
    expect(map.size).to.equal(1);
    expect(map.getIn('/b', '3')).to.equal(undefined);
  });
});
