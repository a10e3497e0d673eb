import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {decodeEntities, parseXml, XmlSyntaxError} from '../../../src/readers/olm/xml-parser.js';

describe('parseXml', () => {
	test('Given elements with attributes in both quote styles, entities, character references and CDATA, the tree and text come back decoded', () => {
		const root = parseXml('\ufeff<?xml version="1.0"?>\n<!DOCTYPE emails [<!ENTITY x "no">]><!-- c --><emails n=\'1\'><email a="&lt;b&gt; &amp; &quot;q&quot; &#233;&#x1F600;"/>' +
			'<body>A &amp; B <![CDATA[<p>&amp; raw</p>]]> &unknown; &x;</body></emails>');
		assert.equal(root.name, 'emails');
		assert.deepEqual(root.attributes, {n: '1'});
		assert.equal(root.children[0]?.attributes['a'], '<b> & "q" é😀');
		assert.equal(root.children[1]?.text, 'A & B <p>&amp; raw</p> &unknown; &x;');
	});

	test('Given namespace-prefixed names (older Outlook for Mac), elements and attributes are matched by their local name, xml: attributes kept', () => {
		const root = parseXml('<o:emails xmlns:o="urn:x"><o:email xml:space="preserve" o:kind="k">t</o:email></o:emails>');
		assert.equal(root.name, 'emails');
		assert.equal(root.children[0]?.name, 'email');
		assert.deepEqual(root.children[0]?.attributes, {'xml:space': 'preserve', kind: 'k'});
	});

	const bad: ReadonlyArray<readonly [string, string, RegExp]> = [
		['a cut document', '<emails><email>text', /<email> is not closed/],
		['mismatched end tags', '<a><b></a></b>', /end tag <\/a> does not match <b>/],
		['two roots', '<a/><b/>', /a second root element/],
		['text outside the root', 'junk<a/>', /text outside the root/],
		['an unterminated CDATA', '<a><![CDATA[x</a>', /unterminated CDATA/],
		['nothing', '   ', /no root element/],
		['a broken attribute', '<a b=c/>', /bad attribute in <a>/],
	];
	for (const [what, text, reason] of bad) {
		test(`Given ${what}, an XmlSyntaxError says where`, () => {
			assert.throws(() => parseXml(text), (error: unknown) => error instanceof XmlSyntaxError && reason.test(error.message) && /at character \d+/.test(error.message));
		});
	}

	test('Given elements nested deeper than the bound, parsing stops with an error instead of exhausting memory', () => {
		assert.throws(() => parseXml('<a>'.repeat(1000)), /nested deeper than 256/);
	});

	test('Given a surrogate or out-of-range character reference, it is kept as text', () => {
		assert.equal(decodeEntities('&#xD800;&#1114112;&#0;'), '&#xD800;&#1114112;&#0;');
	});
});
