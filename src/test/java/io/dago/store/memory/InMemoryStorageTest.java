package io.dago.store.memory;

import io.dago.store.Storage;
import io.dago.store.StorageContract;

class InMemoryStorageTest extends StorageContract {
  @Override
  protected Storage newStorage() {
    InMemoryEventBus events = new InMemoryEventBus();
    InMemoryTaskQueue queue = new InMemoryTaskQueue();
    return new Storage(new InMemoryStateStore(events, queue), events, queue, new InMemoryReplyCache(16), "memory",
        null, queue);
  }
}
