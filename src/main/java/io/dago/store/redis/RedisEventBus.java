package io.dago.store.redis;

import io.dago.state.Event;
import io.dago.store.AllGraphsSubscribers;
import io.dago.store.EventBus;
import io.dago.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.logging.Logger;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Events in Redis: each graph's log is a stream whose entry ids are {@code 0-<seq>} (written by the state store's
 * scripts, in the same step as the change), readable from any instance. Live delivery works through the feed
 * ({@value RedisKeys#FEED}), a capped stream every instance appends its events to, in batches, and reads: subscribers
 * of all graphs hear it as it is; subscribers of one graph hear their graph's events from it, from this instance's
 * own commits at once, and from the log whenever something seems missing (see {@link Follower}). The feed is a
 * notification, the log the record: an event whose feed entry was lost (its instance died before sending it) is
 * still delivered, from the log, once a later event or a quiet follower's periodic look reveals the gap.
 */
public final class RedisEventBus implements EventBus, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RedisEventBus.class.getName());
  private static final int FEED_CAP = 100_000;
  private static final int FEED_BATCH = 500;
  private static final int HISTORY_PAGE = 1000;
  private static final int FEED_BLOCK_MS = 1000;
  private static final long FEED_IDLE_POLL_MS = 100;
  private static final long FEED_LINGER_MS = 3;
  /** How long an event that came early through the feed waits for those before it before they are read from the log. */
  private static final long FEED_REORDER_PATIENCE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final int FEED_REORDER_BLOCK_MS = 50;
  private static final long FEED_FLUSH_ON_CLOSE_MS = 3000;
  /** A follower that heard nothing for this long looks at the log itself, in case a feed entry was lost. */
  private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** Events waiting for the feed when Redis is out of reach; past this, the oldest are dropped (the log has them). */
  private static final int FEED_BACKLOG = 200_000;

  private final Redis redis;
  private final RedisKeys keys;
  private final String instanceId;
  private final int eventsCap;
  private final Consumer<List<Event>> published;
  private final ConcurrentHashMap<String, CopyOnWriteArrayList<Follower>> followers = new ConcurrentHashMap<>();
  private final AllGraphsSubscribers everyGraph = new AllGraphsSubscribers();
  private final AllGraphsSubscribers elsewhere = new AllGraphsSubscribers();
  private final LinkedBlockingQueue<Event> toFeed = new LinkedBlockingQueue<>();
  private final LongAdder feedDropped = new LongAdder();
  private final FeedOrder firehoseOrder = new FeedOrder(FEED_REORDER_PATIENCE_NANOS);
  private final ExecutorService fillers = Executors.newVirtualThreadPerTaskExecutor();
  private final Follower.Log fromLog = new Follower.Log() {
    @Override
    public void fillLater(Follower follower) {
      fill(follower);
    }

    @Override
    public void ended(Follower follower) {
      unregister(follower);
    }
  };
  private final Thread feedWriter;
  private final Thread feedReader;
  private volatile boolean running = true;

  /**
   * @param eventsCap how many events a graph's log keeps (the log is the graph's state: keep it large)
   * @param published told of every event this instance commits or publishes live (for metrics); must not block
   */
  public RedisEventBus(Redis redis, RedisKeys keys, String instanceId, int eventsCap,
      Consumer<List<Event>> published) {
    this.redis = redis;
    this.keys = keys;
    this.instanceId = instanceId;
    this.eventsCap = eventsCap;
    this.published = published;
    StreamEntryID start = feedEnd();
    // Platform threads: each spends its life in blocking reads or writes, which a platform thread makes directly
    // rather than through the JDK's poller and timers.
    this.feedWriter = Thread.ofPlatform().daemon().name("dago-feed-writer").start(this::writeFeed);
    this.feedReader = Thread.ofPlatform().daemon().name("dago-feed-reader").start(() -> readFeed(start));
  }

  /**
   * Appends events on its own, outside the state store's scripts: the log's next ids are claimed with the same
   * refusal of a taken id as in {@link Scripts#COMMIT}.
   */
  @Override
  public List<Event> append(String graphId, List<Event.Draft> drafts) {
    String stream = keys.events(graphId);
    while (true) {
      List<StreamEntry> top = redis.call(r -> r.xrevrange(stream, "+", "-", 1));
      long next = top.isEmpty() ? 1 : top.get(0).getID().getSequence() + 1;
      List<Event> events = new ArrayList<>(drafts.size());
      for (int i = 0; i < drafts.size(); i++) {
        events.add(drafts.get(i).at(next + i, graphId));
      }
      // One appender per graph at a time (the port's contract): only the first id can have been taken meanwhile.
      if (!appendAt(stream, events.get(0))) {
        continue;
      }
      for (Event event : events.subList(1, events.size())) {
        if (!appendAt(stream, event)) {
          throw new IllegalStateException("graph " + graphId + " has another appender: seq " + event.seq()
              + " was taken");
        }
      }
      committed(graphId, events);
      return events;
    }
  }

  private boolean appendAt(String stream, Event event) {
    return redis.appendAt(stream, new StreamEntryID(0, event.seq()), eventsCap, Map.of("e", EventCodec.write(event)));
  }

  /** Events the state store has just committed to the graph's log: delivered here at once, and sent to the feed. */
  void committed(String graphId, List<Event> events) {
    List<Follower> mine = followers.get(graphId);
    if (mine != null) {
      for (Follower follower : mine) {
        for (Event event : events) {
          follower.offer(event);
        }
      }
    }
    published.accept(events);
    enqueueForFeed(events);
  }

  @Override
  public List<Event> history(String graphId, long afterSeq) {
    String stream = keys.events(graphId);
    List<Event> events = new ArrayList<>();
    long after = Math.max(0, afterSeq);
    while (true) {
      String from = "(0-" + after;
      List<StreamEntry> page = redis.call(r -> r.xrange(stream, from, "+", HISTORY_PAGE));
      for (StreamEntry entry : page) {
        events.add(EventCodec.read(entry.getFields().get("e")));
      }
      if (page.size() < HISTORY_PAGE) {
        return events;
      }
      after = page.get(page.size() - 1).getID().getSequence();
    }
  }

  @Override
  public Subscription subscribe(String graphId, long afterSeq, EventListener listener) {
    Follower follower = new Follower(graphId, afterSeq, listener, fromLog);
    // Listening before reading the history: whatever is committed meanwhile is either in it or heard.
    followers.computeIfAbsent(graphId, id -> new CopyOnWriteArrayList<>()).add(follower);
    try {
      follower.filled(history(graphId, afterSeq));
    } catch (RuntimeException e) {
      follower.close();
      throw e;
    }
    return follower;
  }

  @Override
  public Subscription subscribeAll(EventListener listener) {
    return everyGraph.add(listener);
  }

  @Override
  public Subscription subscribeElsewhere(EventListener listener) {
    return elsewhere.add(listener);
  }

  @Override
  public void publishLive(Event event) {
    List<Follower> mine = followers.get(event.graphId());
    if (mine != null) {
      for (Follower follower : mine) {
        follower.offerLive(event);
      }
    }
    published.accept(List.of(event));
    enqueueForFeed(List.of(event));
  }

  @Override
  public void remove(String graphId) {
    redis.call(r -> r.del(keys.events(graphId)));
  }

  /** Events that could not reach the feed (Redis out of reach for long); subscribers got them from the log. */
  public long feedDropped() {
    return feedDropped.sum();
  }

  private void enqueueForFeed(List<Event> events) {
    toFeed.addAll(events);
    while (toFeed.size() > FEED_BACKLOG && toFeed.poll() != null) {
      feedDropped.increment();
    }
  }

  private void fill(Follower follower) {
    try {
      fillers.execute(() -> {
        try {
          follower.filled(history(follower.graphId, follower.last()));
        } catch (RuntimeException e) {
          LOG.fine(() -> "could not read the log of graph " + follower.graphId + ": " + e.getMessage());
          follower.fillFailed();
        }
      });
    } catch (RejectedExecutionException closing) {
      // The bus is closing: nobody is left to deliver to.
    }
  }

  private void unregister(Follower follower) {
    followers.computeIfPresent(follower.graphId, (id, list) -> {
      list.remove(follower);
      return list.isEmpty() ? null : list;
    });
  }

  /**
   * Sends what this instance committed or published to the feed: whatever piled up during one write goes next. On
   * close it sends what is left before it stops, since subscribers of all graphs (and other instances stopping
   * attempts of graphs that ended here) hear events only through the feed.
   */
  private void writeFeed() {
    List<Event> batch = new ArrayList<>(FEED_BATCH);
    boolean failing = false;
    while (running || !toFeed.isEmpty() || !batch.isEmpty()) {
      try {
        if (batch.isEmpty()) {
          Event first = toFeed.poll(FEED_IDLE_POLL_MS, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          batch.add(first);
          if (toFeed.size() < FEED_BATCH - 1) {
            // A few milliseconds gather a busy instance's events into one entry: one command for many events.
            Thread.sleep(FEED_LINGER_MS);
          }
          toFeed.drainTo(batch, FEED_BATCH - 1);
        }
        String json = EventCodec.writeAll(batch);
        redis.call(r -> r.xadd(RedisKeys.FEED, XAddParams.xAddParams().maxLen(FEED_CAP).approximateTrimming(),
            Map.of("o", instanceId, "e", json)));
        batch.clear();
        if (failing) {
          LOG.info("event feed reachable again");
          failing = false;
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        if (!failing) {
          LOG.warning("cannot write the event feed, retrying: " + e.getMessage());
          failing = true;
        }
        if (!pause(200)) {
          return;
        }
      }
    }
  }

  private void readFeed(StreamEntryID start) {
    StreamEntryID last = start;
    boolean failing = false;
    long lastSweep = System.nanoTime();
    while (running) {
      try {
        StreamEntryID from = last;
        int block = firehoseOrder.waiting() ? FEED_REORDER_BLOCK_MS : FEED_BLOCK_MS;
        var streams = redis.call(r -> r.xread(XReadParams.xReadParams().block(block).count(FEED_BATCH),
            Map.of(RedisKeys.FEED, from)));
        if (streams != null) {
          for (var stream : streams) {
            for (StreamEntry entry : stream.getValue()) {
              last = entry.getID();
              String origin = entry.getFields().get("o");
              // This instance's own events reached its followers as they were committed: unless someone follows
              // every graph, there is nobody to tell, and nothing to decode.
              if (!instanceId.equals(origin) || everyGraph.any()) {
                hear(origin, EventCodec.readAll(entry.getFields().get("e")));
              }
            }
          }
        }
        firehoseOrder.expire(System.nanoTime(), this::history, everyGraph::deliver);
        if (System.nanoTime() - lastSweep > QUIET_NANOS) {
          sweepQuietFollowers();
          lastSweep = System.nanoTime();
        }
        if (failing) {
          LOG.info("event feed readable again");
          failing = false;
        }
      } catch (StoreUnavailableException e) {
        if (!running) {
          return;
        }
        if (!failing) {
          LOG.warning("cannot read the event feed, retrying: " + e.getMessage());
          failing = true;
        }
        if (!pause(200)) {
          return;
        }
      } catch (RuntimeException e) {
        LOG.warning("event feed entry skipped: " + e);
      }
    }
  }

  private void hear(String origin, List<Event> events) {
    boolean mine = instanceId.equals(origin);
    for (Event event : events) {
      // This instance's followers heard its own events when they were committed.
      if (!mine) {
        List<Follower> listening = followers.get(event.graphId());
        if (listening != null) {
          for (Follower follower : listening) {
            if (event.type().isStored()) {
              follower.offer(event);
            } else {
              follower.offerLive(event);
            }
          }
        }
        if (event.type().isStored()) {
          elsewhere.deliver(event);
        }
      }
      firehoseOrder.accept(event, System.nanoTime(), everyGraph::deliver);
    }
  }

  /** Followers that heard nothing for a while look at the log, in case the feed lost what they wait for. */
  private void sweepQuietFollowers() {
    for (List<Follower> list : followers.values()) {
      for (Follower follower : list) {
        if (follower.quietFor(QUIET_NANOS)) {
          fill(follower);
        }
      }
    }
  }

  private StreamEntryID feedEnd() {
    List<StreamEntry> top = redis.call(r -> r.xrevrange(RedisKeys.FEED, "+", "-", 1));
    return top.isEmpty() ? new StreamEntryID(0, 0) : top.get(0).getID();
  }

  private boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /** Sends what is left for the feed (for up to a few seconds), then stops the feed threads. */
  @Override
  public void close() {
    running = false;
    feedReader.interrupt();
    try {
      feedWriter.join(FEED_FLUSH_ON_CLOSE_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    feedWriter.interrupt();
    fillers.shutdownNow();
  }
}
