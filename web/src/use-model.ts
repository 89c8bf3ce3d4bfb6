// The page's one Model, and the hook that re-renders a view when it changes.
import { createContext } from 'preact';
import { useContext, useEffect, useReducer } from 'preact/hooks';
import type { Model } from './model.ts';

export const ModelContext = createContext<Model | null>(null);

export function useModel(): Model {
  const model = useContext(ModelContext);
  if (!model) throw new Error('useModel outside ModelContext');
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => model.onChange(() => rerender(undefined)), [model]);
  return model;
}
