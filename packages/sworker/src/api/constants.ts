/** The API token's file in the sWorker data folder. */
export const API_TOKEN_FILE = 'api-token'
/** Random bytes in a token (written as hex). */
export const API_TOKEN_BYTES = 32
/** Largest JSON body a request may carry. */
export const MAX_BODY_BYTES = 64 * 1024
