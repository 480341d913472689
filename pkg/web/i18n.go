package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The page's languages. English is the default.
const (
	langEN = "en"
	langZH = "zh"
)

// pickLang chooses the language: ?lang= (the switch), then the cookie the switch set, then
// Accept-Language (the first of en/zh by preference), then English.
func pickLang(r *http.Request) (lang string, fromQuery bool) {
	if q := r.URL.Query().Get("lang"); q == langEN || q == langZH {
		return q, true
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == langEN || c.Value == langZH) {
		return c.Value, false
	}
	return fromAcceptLanguage(r.Header.Get("Accept-Language")), false
}

// fromAcceptLanguage returns zh or en, whichever the header prefers (q values honoured; at
// most 32 entries read).
func fromAcceptLanguage(h string) string {
	best, bestQ := langEN, -1.0
	for i, part := range strings.Split(h, ",") {
		if i >= 32 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		tag = strings.ToLower(strings.TrimSpace(tag))
		var l string
		switch {
		case tag == "zh" || strings.HasPrefix(tag, "zh-"):
			l = langZH
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			l = langEN
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// messages is the page's text; every key has both languages (i18n_test.go checks).
var messages = map[string][2]string{ // [en, zh]
	"title":               {"seerrpilot status", "seerrpilot 状态"},
	"lang.other":          {"简体中文", "English"},
	"login.heading":       {"Sign in", "登录"},
	"login.token":         {"Admin token (ADMIN_TOKEN)", "管理令牌（ADMIN_TOKEN）"},
	"login.submit":        {"Sign in", "登录"},
	"login.wrong":         {"That token is not ADMIN_TOKEN. Try again.", "令牌与 ADMIN_TOKEN 不符，请重试。"},
	"login.hint":          {"The same token opens /api/v1 and /mcp. Scripts can send Authorization: Bearer <token> instead.", "同一个令牌也用于 /api/v1 和 /mcp。脚本也可以直接发送 Authorization: Bearer <令牌>。"},
	"logout":              {"Sign out", "退出"},
	"setup.heading":       {"The status page is off", "状态页未开启"},
	"setup.body":          {"Set ADMIN_TOKEN (or ADMIN_TOKEN_FILE) and restart seerrpilot. The same token then opens this page, the operator API (/api/v1) and /mcp.", "设置 ADMIN_TOKEN（或 ADMIN_TOKEN_FILE）后重启 seerrpilot。这个令牌随后可用于本页面、运维 API（/api/v1）和 /mcp。"},
	"setup.example":       {"For example:", "例如："},
	"counts":              {"Requests by state", "各状态的请求数"},
	"state.all":           {"all", "全部"},
	"state.pending":       {"pending", "等待中"},
	"state.running":       {"running", "处理中"},
	"state.success":       {"delivered", "已送达"},
	"state.failed":        {"failed", "失败"},
	"state.cancelled":     {"cancelled", "已取消"},
	"worker":              {"Worker", "投递进程"},
	"worker.running":      {"running", "运行中"},
	"worker.paused":       {"paused", "已暂停"},
	"worker.throttled":    {"throttled", "限流等待"},
	"worker.unreachable":  {"MoviePilot unreachable", "MoviePilot 无法连接"},
	"worker.dry-run":      {"dry run (nothing is sent)", "演练模式（不发送）"},
	"worker.stopped":      {"stopped", "已停止"},
	"worker.unknown":      {"unknown", "未知"},
	"worker.running.hint": {"MoviePilot answers; due requests are sent as they come.", "MoviePilot 正常响应，到期的请求会依次发送。"},
	"worker.since":        {"since", "始于"},
	"worker.until":        {"next try", "下次尝试"},
	"reconcile":           {"Reconcile", "对账"},
	"reconcile.off":       {"Reconcile is off: set JELLY_URL and JELLY_API_KEY.", "对账未开启：请设置 JELLY_URL 和 JELLY_API_KEY。"},
	"reconcile.never":     {"No pass has finished yet.", "尚无完成的对账。"},
	"reconcile.run":       {"Run reconcile now", "立即对账"},
	"reconcile.last":      {"Last pass", "上次对账"},
	"reconcile.ok":        {"ok", "成功"},
	"reconcile.error":     {"failed", "失败"},
	"reconcile.counts":    {"seen %d · approved %d · enqueued %d · merged %d · reopened %d · skipped %d", "读取 %d · 已批准 %d · 新入队 %d · 合并 %d · 重新打开 %d · 跳过 %d"},
	"notify":              {"Send test notification", "发送测试通知"},
	"notify.off":          {"Notifications are off: set NOTIFY_URLS.", "通知未开启：请设置 NOTIFY_URLS。"},
	"requests":            {"Requests", "请求"},
	"search":              {"Search title", "搜索标题"},
	"search.go":           {"Search", "搜索"},
	"search.clear":        {"clear", "清除"},
	"shown":               {"%d of %d shown, newest first", "显示 %d / %d 条，最新在前"},
	"shown.search":        {"%d matching among the newest %d", "在最新的 %[2]d 条中找到 %[1]d 条"},
	"more":                {"Show more", "显示更多"},
	"none":                {"No requests here yet.", "这里还没有请求。"},
	"bad.state":           {"Unknown state %q: showing all.", "未知状态 %q：显示全部。"},
	"bad.search":          {"The search is longer than %d characters: it was cut.", "搜索内容超过 %d 个字符，已截断。"},
	"col.requester":       {"requested by", "请求者"},
	"col.seasons":         {"seasons", "季"},
	"col.source":          {"from", "来源"},
	"col.why":             {"why", "原因"},
	"col.mp":              {"MoviePilot", "MoviePilot"},
	"col.updated":         {"updated", "更新于"},
	"source.webhook":      {"webhook", "Webhook"},
	"source.reconcile":    {"reconcile", "对账"},
	"source.manual":       {"manual", "手动"},
	"type.movie":          {"movie", "电影"},
	"type.tv":             {"TV", "剧集"},
	"next":                {"next attempt %s", "下次尝试：%s"},
	"attempts":            {"attempt %d", "第 %d 次尝试"},
	"sending":             {"being sent to MoviePilot now", "正在发送到 MoviePilot"},
	"delivered":           {"subscribed in MoviePilot", "已在 MoviePilot 订阅"},
	"cancelled.by":        {"cancelled by %s", "由%s取消"},
	"by.operator":         {"an operator", "管理员"},
	"by.seerr":            {"Seerr", "Seerr"},
	"mp.none":             {"no subscription yet", "尚无订阅"},
	"trk.subscribed":      {"subscribed", "已订阅"},
	"trk.missing":         {"subscribed · %d of %d episodes missing", "已订阅 · %[2]d 集中缺 %[1]d 集"},
	"trk.downloaded":      {"downloaded", "已下载"},
	"trk.removed":         {"removed in MoviePilot", "已在 MoviePilot 中删除"},
	"trk.stalled":         {"stalled since %s", "自 %s 起停滞"},
	"trk.counts":          {"In MoviePilot", "在 MoviePilot 中"},
	"trk.n.subscribed":    {"subscribed", "已订阅"},
	"trk.n.stalled":       {"stalled", "停滞"},
	"trk.n.downloaded":    {"downloaded", "已下载"},
	"trk.n.removed":       {"removed", "已删除"},
	"backlog":             {"First start: found %d approved requests in Seerr; %d were queued for delivery to MoviePilot, %d still waiting. To start from a date instead, stop seerrpilot, empty DATA_DIR and set RECONCILE_SINCE.", "首次启动：在 Seerr 中找到 %d 个已批准的请求，其中 %d 个已排队投递到 MoviePilot，还有 %d 个在等待。若想从某个日期开始，请停止 seerrpilot、清空 DATA_DIR 并设置 RECONCILE_SINCE。"},
	"backlog.since":       {"First start: found %d approved requests in Seerr since %s; %d were queued for delivery to MoviePilot, %d still waiting.", "首次启动：在 Seerr 中找到 %d 个自 %s 以来已批准的请求，其中 %d 个已排队投递到 MoviePilot，还有 %d 个在等待。"},
	"retry":               {"Retry", "重试"},
	"cancel":              {"Cancel", "取消"},
	"cancel.confirm":      {"Cancel this request?", "确定取消这个请求？"},
	"flash.retry.ok":      {"%s is queued again.", "%s 已重新排队。"},
	"flash.retry.no":      {"Could not retry %s.", "无法重试 %s。"},
	"flash.cancel.ok":     {"%s is cancelled.", "%s 已取消。"},
	"flash.cancel.no":     {"Could not cancel %s.", "无法取消 %s。"},
	"flash.reconcile.ok":  {"Reconcile pass %s started.", "对账 %s 已开始。"},
	"flash.reconcile.no":  {"Reconcile did not start.", "对账未能开始。"},
	"flash.notify.ok":     {"Test notification sent.", "测试通知已发送。"},
	"flash.notify.no":     {"The test notification failed.", "测试通知发送失败。"},
	"flash.csrf":          {"The form had expired; nothing was changed. Try again.", "表单已过期，未做任何更改，请重试。"},
	"refused":             {"Refused: this request came from another site.", "已拒绝：此请求来自其他网站。"},
	"version":             {"version", "版本"},
	"unavailable":         {"The task store cannot be read right now; see the log.", "暂时无法读取任务库，请查看日志。"},
	"now":                 {"just now", "刚刚"},
	"ago":                 {"%s ago", "%s前"},
	"in":                  {"in %s", "%s后"},
	"u.s":                 {"%d s", "%d 秒"},
	"u.m":                 {"%d min", "%d 分钟"},
	"u.h":                 {"%d h", "%d 小时"},
	"u.d":                 {"%d d", "%d 天"},
}

// text returns the message for key in lang, formatted with args.
func text(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == langZH {
		s = m[1]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// relTime says when t is relative to now: "just now", "in 3 min", "2 h ago".
func relTime(lang string, t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := t.Sub(now)
	future := d > 0
	if d < 0 {
		d = -d
	}
	if d < 5*time.Second {
		return text(lang, "now")
	}
	var span string
	switch {
	case d < time.Minute:
		span = text(lang, "u.s", int(d/time.Second))
	case d < time.Hour:
		span = text(lang, "u.m", int(d/time.Minute))
	case d < 48*time.Hour:
		span = text(lang, "u.h", int(d/time.Hour))
	default:
		span = text(lang, "u.d", int(d/(24*time.Hour)))
	}
	if future {
		return text(lang, "in", span)
	}
	return text(lang, "ago", span)
}
