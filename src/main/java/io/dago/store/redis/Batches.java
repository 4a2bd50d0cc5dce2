package io.dago.store.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Sends the short commands of many threads to Redis in pipelined batches, from a few platform threads ("lanes").
 * While one batch is on its way, the commands that arrive queue up and leave together in the next: under load one
 * write and one read carry many commands, and the workers, which are virtual threads, wait for their reply without
 * each registering a socket with the JDK's poller and a timer with its scheduler, which cost more CPU than Redis
 * spends on the command itself. Blocking commands (a {@code BLOCK} read) never come here: they would hold a lane.
 *
 * <p>Commands of one batch are independent: an error reply fails only its own command. A batch that cannot be sent
 * or read (Redis out of reach) fails all its commands, as a direct call would. Failures are Jedis's own exceptions,
 * for {@link Redis} to interpret as it does those of direct calls.
 */
final class Batches implements AutoCloseable {
  private static final int MOST_PER_BATCH = 256;

  private final UnifiedJedis client;
  private final LinkedBlockingQueue<Command<?>> queued = new LinkedBlockingQueue<>();
  private final List<Thread> lanes = new ArrayList<>();
  private volatile boolean open = true;

  /** @param lanes how many batches may be on their way at once */
  Batches(UnifiedJedis client, int lanes) {
    this.client = client;
    for (int i = 0; i < lanes; i++) {
      this.lanes.add(Thread.ofPlatform().daemon().name("dago-redis-lane-" + i).start(this::drive));
    }
  }

  /** Sends one command with the next batch and waits for its reply, without giving up on an interrupt. */
  <T> T send(Function<AbstractPipeline, Response<T>> command) {
    Command<T> sent = new Command<>(command);
    queued.add(sent);
    if (!open) {
      // Closed meanwhile: no lane may be left to send it.
      failAll(queued);
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return sent.reply.get();
        } catch (InterruptedException e) {
          // The command is on its way and Redis answers within the socket timeout: its outcome must be known
          // (it may have committed), so the wait goes on and the interrupt is kept for the caller.
          interrupted = true;
        } catch (ExecutionException e) {
          throw e.getCause() instanceof RuntimeException cause ? cause : new JedisConnectionException(e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void drive() {
    List<Command<?>> batch = new ArrayList<>(MOST_PER_BATCH);
    while (open) {
      try {
        batch.add(queued.take());
      } catch (InterruptedException e) {
        break;
      }
      queued.drainTo(batch, MOST_PER_BATCH - 1);
      run(batch);
      batch.clear();
    }
    failAll(queued);
  }

  private void run(List<Command<?>> batch) {
    try (AbstractPipeline pipeline = client.pipelined()) {
      for (Command<?> command : batch) {
        command.queue(pipeline);
      }
      pipeline.sync();
    } catch (RuntimeException e) {
      for (Command<?> command : batch) {
        command.reply.completeExceptionally(e);
      }
      return;
    }
    for (Command<?> command : batch) {
      command.answer();
    }
  }

  private void failAll(LinkedBlockingQueue<Command<?>> left) {
    RuntimeException closed = new JedisConnectionException("the Redis client is closed");
    for (Command<?> command; (command = left.poll()) != null; ) {
      command.reply.completeExceptionally(closed);
    }
  }

  @Override
  public void close() {
    open = false;
    for (Thread lane : lanes) {
      lane.interrupt();
    }
    for (Thread lane : lanes) {
      try {
        lane.join(RedisConnector.SOCKET_TIMEOUT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    failAll(queued);
  }

  private static final class Command<T> {
    final Function<AbstractPipeline, Response<T>> command;
    final CompletableFuture<T> reply = new CompletableFuture<>();
    Response<T> response;

    Command(Function<AbstractPipeline, Response<T>> command) {
      this.command = command;
    }

    void queue(AbstractPipeline pipeline) {
      response = command.apply(pipeline);
    }

    void answer() {
      try {
        reply.complete(response.get());
      } catch (RuntimeException e) {
        reply.completeExceptionally(e);
      }
    }
  }
}
