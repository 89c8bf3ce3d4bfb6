// A set of listeners, each called in turn; one that throws does not stop the others.
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  listen(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(value: T): void {
    for (const listener of this.set) {
      try {
        listener(value);
      } catch {
        // A listener's failure is its own.
      }
    }
  }
}
