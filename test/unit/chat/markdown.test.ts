import assert from 'node:assert/strict';
import { codeBlockHtml, createMarkdown, fenceLanguage, renderMarkdown } from '../../../src/chat/webview/markdown/render';
import { registeredLanguages } from '../../../src/chat/webview/markdown/highlight';
import { renderAll, StreamingMarkdown } from '../../../src/chat/webview/markdown/streaming';
import { sampleReply, tokenize } from './sampleReply';

function stream(pieces: string[]) {
  const sm = new StreamingMarkdown();
  let stable = '';
  let tail = '';
  let consumed = '';
  for (const piece of pieces) {
    const u = sm.append(piece);
    consumed += piece;
    stable += u.stable;
    tail = u.tail;
    // Committed text is gone for good: what is left is exactly the rest.
    assert.equal(consumed.slice(sm.work.stableChars), sm.unfinished);
  }
  const end = sm.finish();
  assert.equal(end.tail, '');
  return { html: stable + end.stable, lastTail: tail, sm };
}

describe('chat/webview/markdown', () => {
  describe('render', () => {
    it('escapes raw HTML from the model', () => {
      const html = renderMarkdown(
        'Hi <script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n<div onclick="x()">block</div>\n\n`<b>`',
      );
      assert.ok(!/<script|<img|<div|<b>/i.test(html), html);
      assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.match(html, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
    });

    it('renders links without href, carrying the URL for the host to confirm', () => {
      const html = renderMarkdown('[docs](https://example.com/a?b=1&c=2) and https://plain.example.org/x and [bad](javascript:alert(1))');
      assert.ok(!/href=/.test(html.replace(/data-href=/g, '')), html);
      assert.match(html, /data-href="https:\/\/example\.com\/a\?b=1&#38;c=2"/);
      assert.match(html, /data-href="https:\/\/plain\.example\.org\/x"/);
      assert.ok(!html.includes('data-href="javascript'), 'a javascript: link is not a link');
    });

    it('does not linkify file names', () => {
      assert.ok(!renderMarkdown('Edit main.py and setup.sh').includes('<a'));
    });

    it('never loads remote images; data images are kept', () => {
      const html = renderMarkdown(
        '![chart](https://tracker.example/pixel.png) ![dot](data:image/png;base64,iVBORw0KGgo=) ![svg](data:image/svg+xml;base64,PHN2Zz4=)',
      );
      assert.ok(!html.includes('src="https'), html);
      assert.match(html, /<a class="md-link" data-href="https:\/\/tracker\.example\/pixel\.png"[^>]*data-image="true">🖼 chart<\/a>/);
      assert.match(html, /<img src="data:image\/png;base64,iVBORw0KGgo=" alt="dot">/);
      assert.ok(!html.includes('svg+xml;base64,PHN2Zz4=" alt'), 'svg is not an allowed data image');
    });

    it('wraps code blocks with language and action buttons, highlighted and escaped', () => {
      const html = renderMarkdown('```ts\nconst x: string = "</code><script>";\n```');
      assert.match(html, /^<div class="code-block" data-lang="ts"><div class="code-header"><span class="code-lang">ts<\/span>/);
      for (const action of ['copy', 'insert', 'newFile']) assert.match(html, new RegExp(`data-action="${action}"`));
      assert.match(html, /<code class="hljs language-ts"><span class="hljs-keyword">const<\/span>/);
      assert.ok(!html.includes('<script>'));
      const unknown = codeBlockHtml('<x>', 'klingon');
      assert.match(unknown, /<code class="hljs">&#60;x&#62;<\/code>/);
      assert.match(renderMarkdown('    indented code\n'), /data-lang=""/);
    });

    it('cleans fence info strings', () => {
      assert.equal(fenceLanguage('Python {.class}'), 'python');
      assert.equal(fenceLanguage('c++'), 'c++');
      assert.equal(fenceLanguage('"><script>'), 'script');
      assert.match(createMarkdown().render('```"><img src=x>\nx\n```'), /data-lang="img"/);
    });

    it('registers a compact set of languages', () => {
      const langs = registeredLanguages();
      for (const l of ['typescript', 'javascript', 'python', 'rust', 'go', 'bash', 'json', 'yaml', 'cpp', 'java'])
        assert.ok(langs.includes(l), l);
      assert.ok(langs.length < 40);
    });
  });

  describe('StreamingMarkdown', () => {
    const samples = [
      sampleReply(600),
      'Para one\nstill one\n\nPara two\n# Heading\ntext\n\n---\n\nafter rule\n\n    indented\n    code\n\nend',
      'foo\n#\n\n#hashtag not heading\n\nfoo\n- list right after\n- two\n\nbar',
      '1. one\n\n2. two\n\n   continued\n\n3. three\n\ndone',
      'a | b\n--|--\n1 | 2\n\nx | y\n--|-x\n\ntext\n===\n\nmore\n---\n',
      '```js\nopen fence never closed\nline 2',
      '> quote\ncontinues lazily\n\n> another\n\n- [link](https://x.y)\n- ![img](https://i.png)\n',
      'Text with <script>alert(1)</script>\n\n```\n<img onerror=1>\n```\n\n<b>raw</b>',
    ];

    it('produces the same HTML as rendering the whole text, however it is chunked', () => {
      for (const text of samples) {
        for (const size of [1, 3, 7, 50, 10_000]) {
          const pieces: string[] = [];
          for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
          assert.equal(stream(pieces).html, renderAll(text), `chunk size ${size}: ${JSON.stringify(text.slice(0, 40))}`);
        }
        assert.equal(stream(tokenize(text)).html, renderAll(text));
      }
    });

    it('keeps the unfinished block in the tail and commits it once another starts', () => {
      const sm = new StreamingMarkdown();
      let u = sm.append('First paragraph');
      assert.deepEqual(u, { stable: '', tail: '<p>First paragraph</p>\n' });
      u = sm.append(' goes on.\n\nSecond');
      assert.equal(u.stable, '<p>First paragraph goes on.</p>\n');
      assert.equal(u.tail, '<p>Second</p>\n');
      u = sm.append(' one.\n- item\n');
      assert.equal(u.stable, '<p>Second one.</p>\n', 'finished once another block starts');
      u = sm.append('- more\n\n');
      assert.equal(u.stable, '', 'a list is not finished by a blank line');
    });

    it('does not decide a boundary on an incomplete line', () => {
      const sm = new StreamingMarkdown();
      sm.append('foo\n');
      assert.equal(sm.append('#').stable, '');
      const u = sm.append('hashtag\n');
      assert.equal(u.stable, '');
      assert.equal(u.tail, '<p>foo\n#hashtag</p>\n');
    });

    it('keeps an open code fence and a growing list in the tail', () => {
      const sm = new StreamingMarkdown();
      assert.equal(sm.append('Intro\n\n```py\nx = 1\n').stable, '<p>Intro</p>\n');
      let u = sm.append('\n\ny = 2\n');
      assert.equal(u.stable, '');
      assert.match(u.tail, /^<div class="code-block" data-lang="py">/);
      u = sm.append('```\n\n- a\n');
      assert.match(u.stable, /^<div class="code-block"[\s\S]*y = <span class="hljs-number">2<\/span>\n<\/code><\/pre><\/div>\n$/);
      assert.equal(u.tail, '<ul>\n<li>a</li>\n</ul>\n');
      u = sm.append('- b\n\n');
      assert.equal(u.stable, '', 'a list may go on after a blank line');
      u = sm.append('after the list\n');
      assert.equal(u.stable, '<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n');
    });

    it('highlights a long open fence piece by piece, not all over again per update', () => {
      let code = '';
      for (let i = 0; i < 300; i++) code += `const v${i} = "s${i}"; /* c */\n`;
      const text = `Intro\n\n\`\`\`js\n${code}\`\`\`\n\nAfter.\n`;
      const sm = new StreamingMarkdown();
      let html = '';
      let tail = '';
      for (const line of text.split(/(?<=\n)/)) {
        const u = sm.append(line);
        html += u.stable;
        tail = u.tail || tail;
        if (sm.unfinished.startsWith('```js') && line.startsWith('const v150 ')) {
          assert.match(u.tail, /^<div class="code-block" data-lang="js">/);
          assert.equal((u.tail.match(/<span class="hljs-keyword">const<\/span>/g) ?? []).length, 151);
        }
      }
      html += sm.finish().stable;
      assert.equal(html, renderAll(text));
      const ratio = sm.work.highlightedChars / code.length;
      assert.ok(ratio < 30, `highlighted ${ratio.toFixed(1)}x the code`);
    });

    it('describes an open fence as pieces the view can append, matching the tail HTML', () => {
      let code = '';
      for (let i = 0; i < 80; i++) code += `let x${i} = ${i};\n`;
      const text = `Text first.\n\n\`\`\`ts\n${code}\`\`\`\n`;
      const sm = new StreamingMarkdown();
      let shown: string[] = [];
      let fences = 0;
      for (const piece of tokenize(text)) {
        const u = sm.append(piece);
        const fence = sm.openFence;
        if (!fence) continue;
        fences++;
        assert.equal(codeBlockHtml('', fence.lang, fence.pieces.join('') + fence.restHtml), u.tail);
        // Pieces already shown never change: the view only appends.
        assert.deepEqual(fence.pieces.slice(0, shown.length), shown);
        shown = [...fence.pieces];
      }
      assert.ok(fences > 50 && shown.length === 3, `${fences} updates, ${shown.length} pieces`);
      sm.finish();
      assert.equal(sm.openFence, undefined);
    });

    it('escapes script and onerror in streamed model output', () => {
      const text = 'Look: <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n';
      const { html, sm } = stream(tokenize(text));
      assert.ok(!/<script|<img/i.test(html));
      assert.equal(sm.unfinished, '');
    });

    it('does O(n) work for a 1,000-token stream, token by token', () => {
      const work = (tokens: number) => {
        const text = sampleReply(tokens);
        const { sm } = stream(tokenize(text));
        return sm.work.parsedChars / text.length;
      };
      const small = work(1000);
      const large = work(3000);
      // Quadratic work would make the per-character cost grow ~4x; linear keeps it flat.
      assert.ok(large < small * 1.3, `per-character work ${small.toFixed(1)} → ${large.toFixed(1)}`);
      assert.ok(small < 60, `per-character work ${small.toFixed(1)}`);
    });
  });
});
