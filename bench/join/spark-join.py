"""The original project's engine for the DailyJoin benchmark: PySpark in local
mode computing the two warehouse tables of docs/warehouse.md from the same raw files, one
logical date per run (as its Airflow DAG triggered a Spark batch per day).

The SQL is a port of test/fixtures/join/duckdb-reference.ts (itself written
from docs/warehouse.md without sharing code with src/join), so the three engines
answer the same question. Prints one JSON line with the timings.

    python spark-join.py --lake <dir> --start 2025-01-01 --days 30 \
        --locations loc00,loc01,... --power-min 0.9 --weather-min 0.9 [--threads 1]
"""

import argparse
import json
import os
import time
from datetime import date, timedelta

p = argparse.ArgumentParser()
p.add_argument("--lake", required=True)
p.add_argument("--start", required=True)
p.add_argument("--days", type=int, required=True)
p.add_argument("--locations", required=True)
p.add_argument("--power-min", type=float, required=True)
p.add_argument("--weather-min", type=float, required=True)
p.add_argument("--threads", type=int, default=1)
a = p.parse_args()

t_session = time.perf_counter()
from pyspark.sql import SparkSession  # noqa: E402  (imported late: the import is part of start-up)

spark = (
    SparkSession.builder.master(f"local[{a.threads}]")
    .appName("gridlake-bench-join")
    .config("spark.sql.session.timeZone", "UTC")
    # Spark 4 turned ANSI mode on; corr() over a constant column then divides by
    # zero instead of giving NULL (what docs/warehouse.md, DuckDB and Spark 3 do).
    .config("spark.sql.ansi.enabled", "false")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .config("spark.sql.shuffle.partitions", str(max(1, a.threads)))
    .config("spark.driver.memory", "1g")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
session_seconds = time.perf_counter() - t_session

locs = " UNION ALL ".join(f"SELECT '{l}' AS location" for l in a.locations.split(","))


def sql(text: str) -> None:
    for stmt in [s for s in text.split(";") if s.strip()]:
        spark.sql(stmt)


def run_day(d: str) -> int:
    part = f"year={d[0:4]}/month={d[5:7]}/day={d[8:10]}"
    for view, topic in (("p_src", "gridlake.power.kpx.v1"), ("w_src", "gridlake.weather.kma.v1")):
        path = f"{a.lake}/raw/{topic}/{part}"
        if not os.path.isdir(path):
            return 0
        spark.read.parquet(path).createOrReplaceTempView(view)
    sql(f"""
    CACHE TABLE p_raw AS SELECT DATE'{d}' AS d, unix_millis(base_time) AS bt, current_demand_mw AS dem, supply_capacity_mw AS cap,
      supply_reserve_pct AS pct, unix_millis(ingested_at) AS ing, kafka_offset AS off, kafka_partition AS part FROM p_src;
    CACHE TABLE w_raw AS SELECT DATE'{d}' AS d, unix_millis(base_time) AS bt, location, nx, ny, temperature_c AS t, humidity_pct AS hum,
      rain_1h_mm AS rain, wind_speed_ms AS wind, precipitation_type AS pty, unix_millis(ingested_at) AS ing, kafka_offset AS off,
      kafka_partition AS part FROM w_src;
    CACHE TABLE days AS SELECT DATE'{d}' AS d, unix_millis(CAST(DATE'{d}' AS TIMESTAMP)) - 32400000 AS ds;
    CACHE TABLE p AS
      SELECT x.*, days.ds FROM (SELECT *, row_number() OVER (PARTITION BY d, bt ORDER BY ing DESC, off DESC, part DESC) AS rn FROM p_raw) x
      JOIN days USING (d) WHERE rn = 1 AND bt >= ds AND bt < ds + 86400000;
    CACHE TABLE w AS
      SELECT x.*, days.ds FROM (SELECT *, row_number() OVER (PARTITION BY d, bt, nx, ny ORDER BY ing DESC, off DESC, part DESC) AS rn FROM w_raw) x
      JOIN days USING (d) WHERE rn = 1 AND bt >= ds AND bt < ds + 86400000;
    CACHE TABLE pv AS SELECT * FROM p WHERE dem IS NOT NULL AND dem > 0 AND dem <= 200000;
    CACHE TABLE wv AS SELECT * FROM w WHERE (t IS NULL OR (t >= -60 AND t <= 60)) AND (hum IS NULL OR (hum >= 0 AND hum <= 100));
    CACHE TABLE grid_loc AS SELECT d, location FROM days CROSS JOIN ({locs}) cfg UNION SELECT DISTINCT d, location FROM w;
    CACHE TABLE ph AS
      SELECT d, (bt - ds) div 3600000 AS hour, avg(dem) AS dem_avg, max(dem) AS dem_max, avg(cap) AS cap_avg, min(pct) AS pct_min,
        count(*) AS n FROM pv GROUP BY d, (bt - ds) div 3600000;
    CACHE TABLE wh AS
      SELECT * FROM (SELECT d, location, (bt - ds) div 3600000 AS hour, t, hum, rain, wind, pty,
        row_number() OVER (PARTITION BY d, location, bt ORDER BY ing DESC, off DESC, part DESC) AS rk
        FROM wv WHERE (bt - ds) % 3600000 = 0) WHERE rk = 1;
    CACHE TABLE hours AS SELECT d, ds, hour FROM days LATERAL VIEW explode(sequence(0, 23)) h AS hour;
    CACHE TABLE loc_rows AS
      SELECT hours.d, hours.hour, hours.ds + hours.hour * 3600000 AS hour_start, g.location, wh.t, wh.hum, wh.rain, wh.wind, wh.pty
      FROM hours JOIN grid_loc g ON g.d = hours.d
      LEFT JOIN wh ON wh.d = hours.d AND wh.location = g.location AND wh.hour = hours.hour;
    CACHE TABLE ref_hourly AS
      WITH star AS (
        SELECT d, hour, any_value(hour_start) AS hour_start, '*' AS location, avg(t) AS t, avg(hum) AS hum, avg(rain) AS rain,
          avg(wind) AS wind, CAST(NULL AS INT) AS pty FROM loc_rows GROUP BY d, hour),
      allrows AS (
        SELECT d, hour, hour_start, location, t, hum, rain, wind, pty FROM loc_rows
        UNION ALL SELECT d, hour, hour_start, location, t, hum, rain, wind, pty FROM star)
      SELECT date_format(a.d, 'yyyy-MM-dd') AS date, CAST(a.hour AS INT) AS hour, a.hour_start, a.location,
        ph.dem_avg AS demand_mw_avg, ph.dem_max AS demand_mw_max, ph.cap_avg AS supply_capacity_mw_avg,
        ph.pct_min AS supply_reserve_pct_min, CAST(coalesce(ph.n, 0) AS INT) AS power_samples,
        a.t AS temperature_c, a.hum AS humidity_pct, a.rain AS rain_1h_mm, a.wind AS wind_speed_ms, a.pty AS precipitation_type
      FROM allrows a LEFT JOIN ph ON ph.d = a.d AND ph.hour = a.hour;
    CACHE TABLE pd AS
      SELECT d, max(dem) AS peak, avg(dem) AS dem_avg, min(pct) AS pct_min, CAST(count(*) AS DOUBLE) / 288 AS cov FROM pv GROUP BY d;
    CACHE TABLE pk AS SELECT pv.d, min(pv.bt) AS peak_at FROM pv JOIN pd ON pd.d = pv.d AND pv.dem = pd.peak GROUP BY pv.d;
    CACHE TABLE ref_daily AS
      WITH wd AS (
        SELECT date, location, avg(temperature_c) AS t_avg, min(temperature_c) AS t_min, max(temperature_c) AS t_max,
          sum(rain_1h_mm) AS rain,
          sum(greatest(0, 18 - temperature_c)) FILTER (WHERE temperature_c IS NOT NULL) AS hdh,
          sum(greatest(0, temperature_c - 24)) FILTER (WHERE temperature_c IS NOT NULL) AS cdh,
          CAST(count(temperature_c) AS DOUBLE) / 24 AS wcov,
          count(*) FILTER (WHERE temperature_c IS NOT NULL AND demand_mw_avg IS NOT NULL) AS pairs,
          min(temperature_c) FILTER (WHERE demand_mw_avg IS NOT NULL) AS pt_min,
          max(temperature_c) FILTER (WHERE demand_mw_avg IS NOT NULL) AS pt_max,
          min(demand_mw_avg) FILTER (WHERE temperature_c IS NOT NULL) AS pd_min,
          max(demand_mw_avg) FILTER (WHERE temperature_c IS NOT NULL) AS pd_max,
          corr(temperature_c, demand_mw_avg) AS r
        FROM ref_hourly GROUP BY date, location)
      SELECT wd.date, wd.location, pd.peak AS demand_mw_peak, pk.peak_at AS demand_peak_at, pd.dem_avg AS demand_mw_avg,
        pd.pct_min AS supply_reserve_pct_min, t_avg AS temperature_c_avg, t_min AS temperature_c_min, t_max AS temperature_c_max,
        rain AS rain_mm_total, hdh AS heating_degree_hours, cdh AS cooling_degree_hours,
        CASE WHEN pairs >= 6 AND pt_min <> pt_max AND pd_min <> pd_max THEN r END AS temp_demand_corr,
        coalesce(pd.cov, 0) AS power_coverage, wcov AS weather_coverage,
        CASE WHEN coalesce(pd.cov, 0) >= {a.power_min} AND wcov >= {a.weather_min} THEN 'ok' ELSE 'partial' END AS quality
      FROM wd LEFT JOIN pd ON date_format(pd.d, 'yyyy-MM-dd') = wd.date LEFT JOIN pk ON pk.d = pd.d
    """)
    rows = 0
    for table, ref in (("power_weather_hourly", "ref_hourly"), ("power_weather_daily", "ref_daily")):
        df = spark.table(ref)
        rows += df.count()
        df.coalesce(1).write.mode("overwrite").option("compression", "snappy").parquet(
            f"{a.lake}/warehouse-spark/{table}/{part}"
        )
    spark.catalog.clearCache()
    for t in spark.catalog.listTables():
        if t.isTemporary:
            spark.catalog.dropTempView(t.name)
    return rows


t0 = time.perf_counter()
rows = 0
start = date.fromisoformat(a.start)
for i in range(a.days):
    rows += run_day((start + timedelta(days=i)).isoformat())
runs_seconds = time.perf_counter() - t0
version = spark.version
spark.stop()
print(
    json.dumps(
        {
            "sparkVersion": version,
            "days": a.days,
            "sessionStartSeconds": session_seconds,
            "runsSeconds": runs_seconds,
            "perDaySeconds": runs_seconds / max(1, a.days),
            "rowsOut": rows,
        }
    )
)
