import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertHeader, literal, quoteBytesString, rowTuple, selectExpr, valueKind } from './sql-values.js';

describe('dump value literals', () => {
  it('classifies column types', () => {
    assert.equal(valueKind('BIGINT'), 'num');
    assert.equal(valueKind('float'), 'float');
    assert.equal(valueKind('double'), 'num');
    assert.equal(valueKind('longblob'), 'bin');
    assert.equal(valueKind('char', 'binary'), 'bin');
    assert.equal(valueKind('bit'), 'bin');
    assert.equal(valueKind('datetime'), 'str');
    assert.equal(valueKind('json'), 'str');
  });

  it('selects FLOAT as a double so no digits are lost', () => {
    assert.equal(selectExpr('f`x', 'float'), '(`f``x` + 0e0)');
    assert.equal(selectExpr('a', 'num'), '`a`');
  });

  it('escapes the MySQL specials and nothing else', () => {
    assert.equal(quoteBytesString("a'b\\c\n\r\0\x1az"), "'a\\'b\\\\c\\n\\r\\0\\Zz'");
    assert.equal(quoteBytesString('plain'), "'plain'");
  });

  it('keeps utf8 bytes verbatim (latin1 view) and hexes binary', () => {
    const emoji = Buffer.from('é😀', 'utf8');
    assert.equal(Buffer.from(literal(emoji, 'str'), 'latin1').toString('utf8'), "'é😀'");
    assert.equal(literal(Buffer.from([0, 255]), 'bin'), '0x00ff');
    assert.equal(literal(Buffer.alloc(0), 'bin'), "''");
    assert.equal(literal(null, 'str'), 'NULL');
    assert.equal(literal(Buffer.from('-1.5e-10'), 'float'), '-1.5e-10');
  });

  it('renders rows and headers', () => {
    assert.equal(rowTuple([Buffer.from('1'), null, Buffer.from('x')], ['num', 'bin', 'str']), "(1,NULL,'x')");
    assert.equal(insertHeader('t', ['a', 'b']), 'INSERT INTO `t` (`a`,`b`) VALUES\n');
  });
});
