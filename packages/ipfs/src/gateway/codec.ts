/**
 * `?format=dag-json|dag-cbor|json|cbor`: a block returned as-is when its codec already is the
 * requested one, otherwise decoded and re-encoded (DAG-PB, DAG-CBOR, DAG-JSON and JSON sources).
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import * as json from 'multiformats/codecs/json'
import { bytesSource, serveBytes } from './bytes.js'
import {
  CODEC_CBOR,
  CODEC_DAG_CBOR,
  CODEC_DAG_JSON,
  CODEC_DAG_PB,
  CODEC_JSON,
  CONTENT_TYPE_CBOR,
  CONTENT_TYPE_DAG_CBOR,
  CONTENT_TYPE_DAG_JSON,
  CONTENT_TYPE_JSON,
} from './constants.js'
import { contentHeaders, contentLocation, type RequestContext } from './context.js'
import { GatewayError } from './errors.js'
import type { ResolvedPath } from './resolve.js'
import { contentDisposition, type GatewayResponse } from './response.js'

export type CodecFormat = 'dag-json' | 'dag-cbor' | 'json' | 'cbor'

interface Target {
  contentType: string
  /** Codecs whose blocks already are this format. */
  native: number[]
  encode(value: unknown): Uint8Array
  extension: string
  disposition: 'inline' | 'attachment'
}

const TARGETS: Record<CodecFormat, Target> = {
  'dag-json': {
    contentType: CONTENT_TYPE_DAG_JSON,
    native: [CODEC_DAG_JSON],
    encode: dagJson.encode,
    extension: 'json',
    disposition: 'inline',
  },
  json: {
    contentType: CONTENT_TYPE_JSON,
    native: [CODEC_JSON, CODEC_DAG_JSON],
    encode: dagJson.encode,
    extension: 'json',
    disposition: 'inline',
  },
  'dag-cbor': {
    contentType: CONTENT_TYPE_DAG_CBOR,
    native: [CODEC_DAG_CBOR],
    encode: dagCbor.encode,
    extension: 'cbor',
    disposition: 'attachment',
  },
  cbor: {
    contentType: CONTENT_TYPE_CBOR,
    native: [CODEC_CBOR, CODEC_DAG_CBOR],
    encode: dagCbor.encode,
    extension: 'cbor',
    disposition: 'attachment',
  },
}

const DECODERS: Record<number, (bytes: Uint8Array) => unknown> = {
  [CODEC_DAG_PB]: dagPb.decode,
  [CODEC_DAG_CBOR]: dagCbor.decode,
  [CODEC_DAG_JSON]: dagJson.decode,
  [CODEC_JSON]: json.decode,
}

/** The block at the end of the path in the requested IPLD codec (406 when it cannot be converted). */
export async function serveCodec(ctx: RequestContext, resolved: ResolvedPath, format: CodecFormat): Promise<GatewayResponse> {
  const { cid } = resolved
  const target = TARGETS[format]
  const decode = DECODERS[cid.code]
  if (!target.native.includes(cid.code) && decode === undefined) {
    throw new GatewayError('GATEWAY_ERROR_NOT_ACCEPTABLE', `codec 0x${cid.code.toString(16)} cannot be converted to ${format}`, { cid: cid.toString(), format })
  }
  const block = await ctx.store.getBlock(cid)
  let bytes = block
  if (!target.native.includes(cid.code) && decode !== undefined) {
    try {
      bytes = target.encode(decode(block))
    } catch (err) {
      throw new GatewayError(
        'GATEWAY_ERROR_INTERNAL',
        `block ${cid} cannot be converted to ${format}: ${(err as Error).message}`,
        {
          cid: cid.toString(),
        },
        { cause: err },
      )
    }
  }
  const filename = ctx.req.query.get('filename') || `${cid}.${target.extension}`
  return serveBytes(ctx.req, bytesSource(bytes), {
    etag: `"${cid}.${format}"`,
    contentType: target.contentType,
    headers: {
      ...contentHeaders(ctx.req, resolved.roots),
      ...contentLocation(ctx.req, format),
      'Content-Disposition': contentDisposition(ctx.req.query.get('download') === 'true' ? 'attachment' : target.disposition, filename),
    },
  })
}
