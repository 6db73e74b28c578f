// zlib, for the zip archives uploaded in the dashboard. zlib is already linked (swift-nio-extras'
// HTTP compression, through async-http-client) and its headers come with zlib1g-dev.
#include <zlib.h>

// inflateInit2 and deflateInit2 are macros, which Swift cannot call: raw deflate streams
// (no zlib header), as zip archives hold them.
static inline int czlib_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}

static inline int czlib_deflate_init_raw(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
}
