// The session's config options an editor shows as selectors (ACP `configOptions`,
// `session/set_config_option`): the mode (the same as session/set_mode) and the model, from the
// App Server's model/list. A model the list does not name (chosen with -m) is offered too.
import type * as acp from '@agentclientprotocol/sdk';
import type { Model } from '../../protocol/methods.ts';
import { MODES, type ModeId } from './modes.ts';

export const MODE_OPTION = 'mode';
export const MODEL_OPTION = 'model';

export function configOptions(
  mode: ModeId,
  model: string,
  models: readonly Model[],
): acp.SessionConfigOption[] {
  const offered = models.filter((m) => !m.hidden);
  const choices = offered.some((m) => m.model === model)
    ? offered.map((m) => ({ value: m.model, name: m.displayName, description: m.description }))
    : [
        { value: model, name: model },
        ...offered.map((m) => ({ value: m.model, name: m.displayName })),
      ];
  return [
    {
      type: 'select',
      id: MODE_OPTION,
      name: 'Mode',
      category: 'mode',
      description: 'What Yoke may do without asking',
      currentValue: mode,
      options: MODES.map(({ id, name, description }) => ({ value: id, name, description })),
    },
    {
      type: 'select',
      id: MODEL_OPTION,
      name: 'Model',
      category: 'model',
      description: 'The model of the next prompts',
      currentValue: model,
      options: choices,
    },
  ];
}
