package io.cachet.reactor.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientRequest;

/**
 * Drops interim responses (RFC 9110 §15.2: 1xx other than 101, such as 103 Early Hints) so that the
 * final response is the one reactor-netty hands over. reactor-netty skips only 100 Continue: it
 * would take a 103 for the answer and throw the real one away. Netty's decoder gives an interim
 * response no body, so dropping it means dropping its head and its empty last content.
 *
 * <p>One instance per request, installed right after reactor-netty's HTTP codec (HTTP/1.1 or an
 * HTTP/2 stream) and removed with the request's handlers when the connection goes back to the
 * pool. Only the channel's event loop touches {@link #interim}.
 */
final class InterimResponses extends ChannelInboundHandlerAdapter {
    private static final String NAME = "cachet.interimResponses";

    private boolean interim;

    /** For {@code HttpClient.doOnRequest}. */
    static void install(HttpClientRequest request, Connection connection) {
        connection.addHandlerFirst(NAME, new InterimResponses());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpResponse response && isInterim(response.status().code())) {
            interim = true;
        }
        if (interim && (msg instanceof HttpResponse || msg instanceof HttpContent)) {
            if (msg instanceof LastHttpContent) {
                interim = false;
            }
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** 1xx but 101 Switching Protocols, which is final (and refused, since no upgrade is asked for). */
    static boolean isInterim(int status) {
        return status >= 100 && status < 200 && status != 101;
    }
}
