// Drives headless Chromium (Debian's, through playwright-core) through the consultation desk,
// as `cli/tests/desk.rs` asks in a JSON file (argv[2]); prints what it saw as JSON.
//   { video, visits: [{ url, how: camera|type|file|drop, text, file or files, expect_reason,
//       screenshot, hello_screenshot, receipt_shot, english, next_patient, print }],
//     hostile: { url } }
// CommonJS so that NODE_PATH (the global npm root) finds playwright-core.
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');

(async () => {
  const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const args = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-gpu',
  ];
  if (cfg.video) {
    args.push(
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${cfg.video}`,
    );
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args, headless: true });
  const result = { visits: [], requests: [], hostile: [] };
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  context.on('request', (r) => result.requests.push(r.url()));
  for (const v of cfg.visits) {
    const page = await context.newPage();
    const out = { console: [] };
    page.on('console', (m) => { if (m.type() === 'error') out.console.push(m.text()); });
    page.on('pageerror', (e) => out.console.push(String(e)));
    await page.goto(v.url);
    await page.waitForFunction(() => {
      const img = document.getElementById('hello-qr');
      return img.complete && img.naturalWidth > 0;
    });
    out.hello_who = await page.textContent('#hello-who');
    if (v.hello_screenshot) {
      await page.screenshot({ path: v.hello_screenshot });
    }
    if (v.how === 'camera') {
      await page.click('#camera-start');
    } else if (v.how === 'type') {
      await page.click('#typed');
      await page.keyboard.type(v.text);
      await page.keyboard.press('Enter');
    } else if (v.how === 'file') {
      await page.setInputFiles('#file', v.files || v.file);
    } else if (v.how === 'drop') {
      // Dragged from the desktop or an email onto the page: a drop event carrying the files.
      const files = [].concat(v.files || v.file).map((f) => ({
        name: path.basename(f), data: fs.readFileSync(f).toString('base64'),
      }));
      const transfer = await page.evaluateHandle((files) => {
        const dt = new DataTransfer();
        for (const f of files) {
          const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
          dt.items.add(new File([bytes], f.name, { type: 'image/png' }));
        }
        return dt;
      }, files);
      await page.dispatchEvent('#drop', 'dragover', { dataTransfer: transfer });
      await page.dispatchEvent('#drop', 'drop', { dataTransfer: transfer });
    }
    if (v.expect_reason) {
      await page.waitForFunction(
        (r) => document.getElementById('status').dataset.reason === r,
        v.expect_reason,
        { timeout: 60000 },
      );
      out.status = await page.textContent('#status');
    } else {
      await page.waitForFunction(() => window.deskTimings.summaryShown !== null, null, {
        timeout: 240000,
      });
      out.summary = await page.frameLocator('#summary').locator('body').innerText();
      out.timings = await page.evaluate(() => window.deskTimings);
      out.items_read = await page.textContent('#read-items');
      out.ips = await page.evaluate(async () => {
        const reply = await fetch(document.getElementById('save-ips').href);
        return { type: reply.headers.get('content-type'), disposition: reply.headers.get('content-disposition'), text: await reply.text() };
      });
      if (v.screenshot) {
        await page.screenshot({ path: v.screenshot });
      }
      if (v.print) {
        // "Imprimer" prints the summary frame, not the desk around it (headless Chromium has no
        // print dialog: the frame's print() is watched instead), and the summary, laid out
        // for paper, is a PDF of its own.
        const src = await page.evaluate(() => {
          const frame = document.getElementById('summary');
          frame.contentWindow.print = () => { window.printedFrame = frame.src; };
          window.print = () => { window.printedDesk = true; };
          return frame.src;
        });
        await page.click('#print');
        out.printed = await page.evaluate(() => ({
          frame: window.printedFrame || null, desk: window.printedDesk || false,
        }));
        out.summary_src = src;
        const paper = await context.newPage();
        await paper.goto(src);
        const pdf = await paper.pdf({ format: 'A4' });
        out.pdf_pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
        await paper.close();
      }
      if (v.receipt_shot) {
        await page.waitForFunction(() => {
          const img = document.getElementById('receipt-qr');
          return !document.getElementById('receipt').hidden && img.complete && img.naturalWidth > 0;
        });
        await page.locator('#receipt-qr').screenshot({ path: v.receipt_shot });
      }
      out.html = await page.evaluate(async () => {
        const reply = await fetch(document.getElementById('save-html').href);
        return { type: reply.headers.get('content-type'), disposition: reply.headers.get('content-disposition'), text: await reply.text() };
      });
      if (v.next_patient) {
        // "Patient suivant": a new hello, the reading cleared, the previous patient gone.
        const before = await page.getAttribute('#hello-qr', 'src');
        out.hello_before = await page.evaluate(async () => (await fetch('hello.txt')).text());
        await page.click('#next');
        await page.waitForFunction(
          (b) => document.getElementById('hello-qr').getAttribute('src') !== b
            && document.getElementById('result').hidden
            && !document.getElementById('reading').hidden,
          before,
        );
        out.hello_after = await page.evaluate(async () => (await fetch('hello.txt')).text());
        out.after_next = await page.evaluate(async () => (await fetch('visit.json')).json());
      }
      if (v.english) {
        await page.click('#lang');
        await page.waitForFunction(() => {
          const frame = document.getElementById('summary');
          // While the frame navigates, its document may have no root element yet.
          const doc = frame.contentDocument;
          return frame.src.includes('lang=en') && doc && doc.documentElement
            && doc.documentElement.lang === 'en';
        });
        out.summary_en = await page.frameLocator('#summary').locator('body').innerText();
        out.items_read_en = await page.textContent('#read-items');
        out.hello_who_en = await page.textContent('#hello-who');
      }
    }
    result.visits.push(out);
    await page.close();
  }
  if (cfg.hostile) {
    // A page of another site, served here by Playwright itself (nothing leaves the machine),
    // that tries to read the desk's code and to start a new visit. Chromium's own guard
    // (local network access) is turned off in this browser, so the requests reach the desk
    // and what refuses them is the desk.
    const unguarded = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: args.concat([
        '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults',
      ]),
    });
    const evil = await unguarded.newContext();
    evil.on('response', (r) => {
      if (r.url().startsWith(cfg.hostile.url)) result.hostile.push({ method: r.request().method(), status: r.status() });
    });
    evil.on('requestfailed', (r) => {
      if (r.url().startsWith(cfg.hostile.url)) result.hostile.push({ method: r.method(), status: 0, error: (r.failure() || {}).errorText });
    });
    await evil.route('http://evil.test/**', (route) => route.fulfill({
      contentType: 'text/html',
      body: `<img src="${cfg.hostile.url}hello.svg"><script>
        fetch("${cfg.hostile.url}next", { method: "POST", mode: "no-cors", body: "x" }).catch(() => {});
      </script>`,
    }));
    const page = await evil.newPage();
    await page.goto('http://evil.test/');
    await page.waitForTimeout(2000);
    await evil.close();
    await unguarded.close();
  }
  await browser.close();
  process.stdout.write(JSON.stringify(result));
})().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
