// review/start: a review turn on the thread (inline) or on a fork of it (detached). The review
// request (instructions and diff) is made before the reply, so a target git cannot show is a
// JSON-RPC error; the turn's notifications follow the reply.
import { reviewRequest } from '../runtime/review.ts';
import type { AppServer } from './app-server.ts';
import { startedTurn } from './handlers-thread.ts';
import type { Handlers } from './router.ts';

export function reviewHandlers(server: AppServer): Handlers {
  const { manager } = server;
  return {
    'review/start': async (params, ctx, reply) => {
      const source = manager.loaded(params.threadId) ?? manager.resumeThread(params.threadId);
      const request = await reviewRequest(params.target, source.settings.cwd);
      let session = source;
      if (params.delivery === 'detached') {
        session = manager.forkThread(params.threadId);
        server.subscribe(session, ctx);
        const thread = session.toThread();
        reply.afterReply(() => ctx.notify({ method: 'thread/started', params: { thread } }));
      }
      const { turnId } = session.startReview(request, (go) => reply.afterReply(go));
      return { turn: startedTurn(turnId), reviewThreadId: session.id };
    },
  };
}
