package io.dago.config;

/** How log lines are written: {@code text} for people, {@code json} (one object per line) for log stacks. */
public enum LogFormat {
  TEXT, JSON
}
