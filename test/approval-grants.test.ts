// "Accept for session" through the approval broker: the grant covers the same command in the
// same working directory asking for the same way to run — not the same text elsewhere, and not
// the same text escalated out of the sandbox.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApprovalBroker, type PendingApproval } from '../src/runtime/approvals.ts';
import type { SandboxPolicy } from '../src/sandbox/policy.ts';
import type { ApprovalRequest } from '../src/tools/types.ts';

const WS: SandboxPolicy = {
  type: 'workspace-write',
  writableRoots: ['/repo'],
  tmpDir: '/tmp/t',
  networkAccess: false,
};

function broker(mode: 'on-request' | 'untrusted' = 'on-request') {
  const asked: PendingApproval[] = [];
  let answer: Parameters<ApprovalBroker['resolve']>[1] = 'acceptForSession';
  const b: ApprovalBroker = new ApprovalBroker({
    threadId: 't',
    requested: (approval) => {
      asked.push(approval);
      b.resolve(approval.id, answer, 'test');
    },
    resolved: () => {},
    cancelTurn: () => {},
  });
  const authorize = b.authorizer(
    'turn',
    { mode: () => mode, policy: () => WS, rules: () => [], amend: () => {} },
    new AbortController().signal,
  );
  return {
    asked,
    authorize,
    answerWith: (a: typeof answer) => (answer = a),
  };
}

const request = (cwd: string, escalate: boolean): ApprovalRequest => ({
  kind: 'command',
  itemId: 'call',
  command: 'make deploy',
  argv: ['bash', '-c', 'make deploy'],
  cwd,
  commandActions: [],
  escalation: escalate ? { justification: 'needs the network' } : null,
});

test('a session grant keys on the command, its working directory and the escalation', async () => {
  const b = broker();
  assert.deepEqual(await b.authorize(request('/repo', true)), {
    approved: true,
    unsandboxed: true,
  });
  assert.equal(b.asked.length, 1);
  // The same escalated command in the same directory: granted, no question.
  assert.deepEqual(await b.authorize(request('/repo', true)), {
    approved: true,
    unsandboxed: true,
  });
  assert.equal(b.asked.length, 1);
  // The same text in another directory: asked again (and declined).
  b.answerWith('decline');
  const elsewhere = await b.authorize(request('/', true));
  assert.equal(elsewhere.approved, false);
  assert.equal(b.asked.length, 2);
  assert.equal((b.asked[1]!.params as { cwd: string }).cwd, '/');
  // The same text in the same directory, but with the policy's answer to run it in the sandbox
  // (no escalation): that needs no question under on-request, and the grant is not consulted.
  assert.deepEqual(await b.authorize(request('/repo', false)), { approved: true });
  assert.equal(b.asked.length, 2);
});

test('a grant for a sandboxed run does not cover the same command escalated', async () => {
  const b = broker('untrusted');
  assert.deepEqual(await b.authorize(request('/repo', false)), {
    approved: true,
    unsandboxed: false,
  });
  assert.deepEqual(await b.authorize(request('/repo', false)), {
    approved: true,
    unsandboxed: false,
  });
  assert.equal(b.asked.length, 1, 'granted for the session in the sandbox');
  assert.deepEqual(await b.authorize(request('/repo', true)), {
    approved: true,
    unsandboxed: true,
  });
  assert.equal(b.asked.length, 2, 'escalating asks again');
});
