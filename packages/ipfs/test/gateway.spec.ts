import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { base16 } from 'multiformats/bases/base16'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import type { CID } from 'multiformats/cid'
import type { IpfsNode } from '../src/interface.js'
import { addTree, PNG_1X1, pseudoRandomBytes, type RunningGateway, rawRequest, startGateway } from './fixtures/gateway-fixture.js'
import { createMemoryNode } from './fixtures/memory-node.js'

const INDEX_HTML = '<!DOCTYPE html>\n<html><head><link rel="stylesheet" href="style.css"></head><body><img src="img/logo.png"></body></html>\n'
const STYLE_CSS = 'body { color: #333 }\n'
const APP_JS = 'console.log("dapp")\n'

const SNIFF_SAMPLES: Record<string, { bytes: Uint8Array | string; type: string }> = {
  html: { bytes: '  <!doctype html><html><body>hi</body></html>', type: 'text/html' },
  png: { bytes: PNG_1X1, type: 'image/png' },
  jpeg: { bytes: Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]), type: 'image/jpeg' },
  gif: { bytes: 'GIF89a\u0001\u0000\u0001\u0000', type: 'image/gif' },
  pdf: { bytes: '%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n', type: 'application/pdf' },
  svg: { bytes: '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>', type: 'image/svg+xml' },
  json: { bytes: '{ "name": "crust", "replicas": [1, 2, 3] }', type: 'application/json' },
  text: { bytes: 'just some words\nover two lines\n', type: 'text/plain; charset=utf-8' },
  binary: { bytes: Uint8Array.from([0, 1, 2, 3, 0xfe, 0x80, 0x00, 0x10]), type: 'application/octet-stream' },
}

describe('gateway: path gateway over UnixFS', () => {
  let node: IpfsNode
  let gw: RunningGateway
  let root: CID
  const children = new Map<string, CID>()

  before(async () => {
    node = await createMemoryNode()
    const files: Record<string, Uint8Array | string> = {
      'site/index.html': INDEX_HTML,
      'site/style.css': STYLE_CSS,
      'site/app.js': APP_JS,
      'site/img/logo.png': PNG_1X1,
      'docs/readme.md': '# readme\n',
      'docs/<b>&"quoted".txt': 'tricky name\n',
      'docs/sub/deep.txt': 'deep\n',
      'docs/über.txt': 'unicode name\n',
    }
    for (const [name, sample] of Object.entries(SNIFF_SAMPLES)) files[`sniff/${name}`] = sample.bytes
    root = await addTree(node, files)
    for await (const entry of node.fs.ls(root)) children.set(entry.name, entry.cid)
    gw = await startGateway(node)
  })

  after(async () => {
    await gw.gateway.stop()
    await node.stop()
  })

  const url = (path: string): string => `${gw.base}${path}`

  it('behavior: serves a folder with index.html as a static site, assets with their content types', async () => {
    const page = await fetch(url(`/ipfs/${root}/site/`))
    assert.equal(page.status, 200)
    assert.equal(page.headers.get('content-type'), 'text/html')
    assert.equal(await page.text(), INDEX_HTML)

    const css = await fetch(url(`/ipfs/${root}/site/style.css`))
    assert.equal(css.status, 200)
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8')
    assert.equal(await css.text(), STYLE_CSS)

    const js = await fetch(url(`/ipfs/${root}/site/app.js`))
    assert.match(js.headers.get('content-type') ?? '', /^(text|application)\/javascript/)
    assert.equal(await js.text(), APP_JS)

    const png = await fetch(url(`/ipfs/${root}/site/img/logo.png`))
    assert.equal(png.status, 200)
    assert.equal(png.headers.get('content-type'), 'image/png')
    assert.equal(png.headers.get('content-length'), String(PNG_1X1.length))
    assert.deepEqual(new Uint8Array(await png.arrayBuffer()), PNG_1X1)
  })

  it('behavior: index.html answers carry the index file CID as ETag and the folder roots', async () => {
    const site = children.get('site')!
    const res = await fetch(url(`/ipfs/${root}/site/`))
    await res.arrayBuffer()
    let indexCid: CID | undefined
    for await (const entry of node.fs.ls(site)) if (entry.name === 'index.html') indexCid = entry.cid
    assert.equal(res.headers.get('etag'), `"${indexCid}"`)
    assert.equal(res.headers.get('x-ipfs-roots'), `${root},${site}`)
  })

  it('behavior: a folder requested without trailing slash is redirected (301) to the slash form', async () => {
    const res = await fetch(url(`/ipfs/${root}/site?lang=en`), { redirect: 'manual' })
    assert.equal(res.status, 301)
    assert.equal(res.headers.get('location'), `/ipfs/${root}/site/?lang=en`)
    const top = await fetch(url(`/ipfs/${root}`), { redirect: 'manual' })
    assert.equal(top.status, 301)
    assert.equal(top.headers.get('location'), `/ipfs/${root}/`)
    const followed = await fetch(url(`/ipfs/${root}/site`))
    assert.equal(followed.status, 200)
    assert.equal(await followed.text(), INDEX_HTML)
  })

  it('behavior: a folder without index.html gets an HTML listing with escaped names', async () => {
    const res = await fetch(url(`/ipfs/${root}/docs/`))
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.match(res.headers.get('etag') ?? '', /^"DirIndex-.+_CID-/)
    const html = await res.text()
    assert.ok(html.includes('href="./readme.md"'), 'links entries relatively')
    assert.ok(html.includes('href="./sub"'))
    assert.ok(html.includes('&#60;b&#62;&#38;&#34;quoted&#34;.txt'), 'escapes names')
    assert.ok(!html.includes('<b>&"quoted"'), 'never writes names raw')
    assert.ok(html.includes('über.txt'))
    assert.ok(html.includes('href="../"'), 'links the parent below the root')
    for await (const entry of node.fs.ls(children.get('docs')!)) assert.ok(html.includes(entry.cid.toString()))

    const escaped = await fetch(url(`/ipfs/${root}/docs/${encodeURIComponent('<b>&"quoted".txt')}`))
    assert.equal(await escaped.text(), 'tricky name\n')
    const unicode = await fetch(url(`/ipfs/${root}/docs/%C3%BCber.txt`))
    assert.equal(await unicode.text(), 'unicode name\n')
  })

  it('behavior: detects the type of extension-less files from their bytes', async () => {
    for (const [name, sample] of Object.entries(SNIFF_SAMPLES)) {
      const res = await fetch(url(`/ipfs/${root}/sniff/${name}`))
      assert.equal(res.status, 200, name)
      assert.equal(res.headers.get('content-type'), sample.type, name)
      await res.arrayBuffer()
    }
  })

  it('behavior: immutable Cache-Control, X-Ipfs-Path and X-Ipfs-Roots', async () => {
    const site = children.get('site')!
    let css: CID | undefined
    for await (const entry of node.fs.ls(site)) if (entry.name === 'style.css') css = entry.cid
    const path = `/ipfs/${root}/site/style.css`
    const res = await fetch(url(path))
    await res.arrayBuffer()
    assert.equal(res.headers.get('cache-control'), 'public, max-age=29030400, immutable')
    assert.equal(res.headers.get('x-ipfs-path'), path)
    assert.equal(res.headers.get('x-ipfs-roots'), `${root},${site},${css}`)
    assert.equal(res.headers.get('etag'), `"${css}"`)
    assert.equal(res.headers.get('accept-ranges'), 'bytes')
    assert.equal(res.headers.get('access-control-allow-origin'), '*')
  })

  it('behavior: If-None-Match with the ETag answers 304 without a body', async () => {
    const first = await fetch(url(`/ipfs/${root}/site/style.css`))
    await first.arrayBuffer()
    const etag = first.headers.get('etag')!
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await fetch(url(`/ipfs/${root}/site/style.css`), { headers: { 'If-None-Match': ifNoneMatch } })
      assert.equal(res.status, 304, ifNoneMatch)
      assert.equal(res.headers.get('etag'), etag)
      assert.equal((await res.arrayBuffer()).byteLength, 0)
    }
    const other = await fetch(url(`/ipfs/${root}/site/style.css`), { headers: { 'If-None-Match': '"something-else"' } })
    assert.equal(other.status, 200)
    assert.equal(await other.text(), STYLE_CSS)

    const listing = await fetch(url(`/ipfs/${root}/docs/`))
    await listing.arrayBuffer()
    const again = await fetch(url(`/ipfs/${root}/docs/`), { headers: { 'If-None-Match': listing.headers.get('etag')! } })
    assert.equal(again.status, 304)
  })

  it('behavior: CIDv0 and CIDv1 in any multibase name the same content', async () => {
    const bytes = pseudoRandomBytes(5000, 'v0')
    const v0 = await node.fs.addBytes(bytes, { cidVersion: 0, rawLeaves: false })
    assert.ok(v0.toString().startsWith('Qm'))
    const v1 = v0.toV1()
    const forms = [v0.toString(), v1.toString(), v1.toString(base36), v1.toString(base58btc), v1.toString(base16)]
    for (const form of forms) {
      const res = await fetch(url(`/ipfs/${form}`))
      assert.equal(res.status, 200, form)
      assert.equal(res.headers.get('content-type'), 'application/octet-stream', form)
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes, form)
      assert.equal(res.headers.get('x-ipfs-path'), `/ipfs/${form}`)
    }
    const raw = await node.fs.addBytes(new TextEncoder().encode('raw leaf\n'))
    const res = await fetch(url(`/ipfs/${raw}`))
    assert.equal(await res.text(), 'raw leaf\n')
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8')
  })

  it('behavior: HEAD answers with the headers of GET and no body', async () => {
    const get = await fetch(url(`/ipfs/${root}/site/img/logo.png`))
    await get.arrayBuffer()
    const head = await rawRequest(gw.port, `/ipfs/${root}/site/img/logo.png`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.body.length, 0)
    for (const name of ['content-type', 'content-length', 'etag', 'cache-control', 'x-ipfs-path', 'x-ipfs-roots']) {
      assert.equal(head.headers[name], get.headers.get(name), name)
    }
    const dir = await rawRequest(gw.port, `/ipfs/${root}/docs/`, { method: 'HEAD' })
    assert.equal(dir.status, 200)
    assert.equal(dir.headers['content-type'], 'text/html; charset=utf-8')
    assert.equal(dir.body.length, 0)
  })

  it('behavior: ?filename= and ?download=true set Content-Disposition', async () => {
    const inline = await fetch(url(`/ipfs/${root}/site/style.css?filename=theme.css`))
    await inline.arrayBuffer()
    assert.equal(inline.headers.get('content-disposition'), 'inline; filename="theme.css"')
    const attachment = await fetch(url(`/ipfs/${root}/site/style.css?filename=th%C3%A8me.css&download=true`))
    await attachment.arrayBuffer()
    assert.equal(attachment.headers.get('content-disposition'), `attachment; filename="th_me.css"; filename*=UTF-8''th%C3%A8me.css`)
  })

  it('error: an invalid CID answers 400 with a readable plain-text message', async () => {
    for (const bad of ['not-a-cid', 'QmInvalid', 'bafyinvalid', 'z']) {
      const res = await fetch(url(`/ipfs/${bad}/file.txt`))
      assert.equal(res.status, 400, bad)
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8')
      assert.match(await res.text(), /^invalid CID "/)
    }
    const missing = await fetch(url('/ipfs/'))
    assert.equal(missing.status, 400)
    assert.match(await missing.text(), /missing CID/)
  })

  it('error: JSON error bodies when the client accepts application/json', async () => {
    const res = await fetch(url('/ipfs/not-a-cid'), { headers: { Accept: 'application/json' } })
    assert.equal(res.status, 400)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    const body = (await res.json()) as { code: string; message: string; status: number }
    assert.equal(body.code, 'GATEWAY_ERROR_INVALID_CID')
    assert.equal(body.status, 400)
    assert.match(body.message, /invalid CID/)
  })

  it('error: a path missing from the DAG answers 404 naming the missing part', async () => {
    const res = await fetch(url(`/ipfs/${root}/site/missing.html`))
    assert.equal(res.status, 404)
    assert.match(await res.text(), /missing\.html/)
    const intoFile = await fetch(url(`/ipfs/${root}/site/style.css/more`))
    assert.equal(intoFile.status, 404)
    await intoFile.arrayBuffer()
  })

  it('error: path traversal, plain or encoded, is rejected (400) and never leaves the DAG', async () => {
    const attempts = [
      `/ipfs/${root}/site/../docs/readme.md`,
      `/ipfs/${root}/site/%2e%2e/docs/readme.md`,
      `/ipfs/${root}/site/%2E%2E/docs/readme.md`,
      `/ipfs/${root}/docs%2Freadme.md`,
      `/ipfs/${root}/site/..%5Cdocs`,
      `/ipfs/${root}/./site/`,
      `/ipfs/${root}/site/%00`,
      `/ipfs/${root}/%ZZ`,
    ]
    for (const path of attempts) {
      const res = await rawRequest(gw.port, path)
      assert.equal(res.status, 400, path)
      assert.ok(res.body.toString().length > 0, path)
    }
  })

  it('error: methods other than GET and HEAD answer 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await rawRequest(gw.port, `/ipfs/${root}/site/`, { method })
      assert.equal(res.status, 405, method)
      assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
    }
    const options = await rawRequest(gw.port, `/ipfs/${root}/site/`, { method: 'OPTIONS' })
    assert.equal(options.status, 204)
    assert.equal(options.headers['access-control-allow-origin'], '*')
  })

  it('error: a huge request header answers 431 and the gateway keeps serving', async () => {
    const res = await rawRequest(gw.port, `/ipfs/${root}/site/`, { headers: { 'X-Huge': 'x'.repeat(64 * 1024) } })
    assert.equal(res.status, 431)
    const ok = await fetch(url(`/ipfs/${root}/site/style.css`))
    assert.equal(ok.status, 200)
    assert.equal(await ok.text(), STYLE_CSS)
  })

  it('error: other namespaces: /ipns answers 501, anything else 404', async () => {
    const ipns = await fetch(url('/ipns/example.com/'))
    assert.equal(ipns.status, 501)
    await ipns.arrayBuffer()
    for (const path of ['/', '/favicon.ico', '/api/v0/add']) {
      const res = await fetch(url(path))
      assert.equal(res.status, 404, path)
      await res.arrayBuffer()
    }
  })
})
