"""The three sample sites: Hanweb-style (Hangzhou), gov.cn-style, and a simple listing (Minhang).

Day one shows the documents as first published; `next_day()` switches every site to the
day after: seed 000's 500 万元 cap becomes 300 万元, a new Hangzhou measure appears that
repeals the 2023 sample 办法 by title and number, the newest State Council page is gone
(404) and the second newest answers 503.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import threading
import zlib
from dataclasses import dataclass
from urllib.parse import quote

from sources.samplesite.documents import GovcnPage, SampleDocument, govcn_pages, sample, seed
from sources.samplesite.server import Request, Response

HANWEB_COLUMN = "1229063387"
HANWEB_SITE_ID = "149"
HANWEB_UNIT_ID = "7799526"
HANWEB_PAGE_SIZE = 2
HANWEB_COL_PATH = f"/col/col{HANWEB_COLUMN}/index.html"
DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
JPAAS_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
CHALLENGE_COOKIE = "FSSBBIl1UgzbN7N80S"
GOVCN_SEARCH_PATH = "/search-gov/data"
GOVCN_PAGE_SIZE = 5
MINHANG_DIR = "/mh-xxgk-cms/website/mh_xxgk/xxgk_qzf_zcwj"
MINHANG_PAGE_SIZE = 1

EDIT_OLD = "单个项目最高补助 500 万元"
EDIT_NEW = "单个项目最高补助 300 万元"
NEXT_DAY = dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.timezone.utc).timestamp()

_RUISHU_SHELL = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
    "<meta id=\"9DhefwqGPrzGxEp9hPaoag\" content=\"Oq4Yq2dSqFpYzG4x1v8.Jc7ZQ\" r=\"m\">"
    "<script type=\"text/javascript\">$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};"
    "$_ts.nsd=48122;$_ts.cd=\"qEcqrrAlxGqxrq\";</script>"
    "<script type=\"text/javascript\" charset=\"utf-8\" src=\"/4QbVtADbnLVIc/d.js\" r=\"m\"></script>"
    "</head><body></body></html>"
)


@dataclass(frozen=True)
class Article:
    document: SampleDocument
    path: str
    last_modified: float


def _stamp(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.timezone.utc).timestamp()


def _not_found() -> Response:
    return Response(404, "<html><head><title>404</title></head><body>页面不存在 Not Found</body></html>".encode(), "text/html; charset=utf-8", validators=False)


class HanwebSite:
    """杭州市人民政府 规范性文件 column, Hanweb CMS: GBK articles declared only in `<meta>`."""

    name = "hanweb"
    _IDS = {"seed-000": "59083211", "seed-001": "58894346", "2024_21": "58612004", "2024_8": "58530117",
            "2023_45": "58011245", "2026_3": "59230077"}  # fmt: skip

    def __init__(self) -> None:
        self.day = 1
        self.challenge_tokens: set[str] = set()
        #: When set, the cookie never satisfies the challenge (as when real JavaScript must solve it).
        self.strict_challenge = False
        self._lock = threading.Lock()

    def articles(self) -> list[Article]:
        documents = [seed("000"), seed("001"), sample("hz_2024_21"), sample("hz_2024_8"), sample("hz_2023_45")]
        modified = {}
        if self.day >= 2:
            documents[0] = documents[0].edited(EDIT_OLD, EDIT_NEW)
            modified[documents[0].key] = NEXT_DAY
            documents.append(sample("hz_2026_3"))
        documents.sort(key=lambda d: d.published, reverse=True)
        return [
            Article(d, self.article_path(d), modified.get(d.key, _stamp(d.published))) for d in documents
        ]

    def article_path(self, document: SampleDocument) -> str:
        key = document.key.removeprefix("hz_")
        day = document.published
        return f"/art/{day.year}/{day.month}/{day.day}/art_{HANWEB_COLUMN}_{self._IDS[key]}.html"

    @property
    def challenged_path(self) -> str:
        """The article behind a 瑞数-style 412 challenge until its cookie comes back."""
        return self.article_path(seed("001"))

    def respond(self, request: Request) -> Response:
        articles = self.articles()
        if request.path == DATAPROXY_PATH:
            return self._dataproxy(request, articles)
        if request.path == JPAAS_PATH:
            return self._jpaas(request, articles)
        page_paths = {HANWEB_COL_PATH: 1} | {
            HANWEB_COL_PATH.replace("index.html", f"index_{n}.html"): n for n in range(2, 10)
        }
        if request.path in page_paths:
            return self._column_page(page_paths[request.path], articles)
        for article in articles:
            if article.path == request.path:
                if request.path == self.challenged_path and not self._passes_challenge(request):
                    return self._challenge()
                return Response(200, _hanweb_article(article.document), "text/html", last_modified=article.last_modified)
        return _not_found()

    def _passes_challenge(self, request: Request) -> bool:
        with self._lock:
            return not self.strict_challenge and request.cookies.get(CHALLENGE_COOKIE) in self.challenge_tokens

    def _challenge(self) -> Response:
        token = f"5{len(self.challenge_tokens) + 1:04d}qZ8xRmA.1Lk"
        with self._lock:
            self.challenge_tokens.add(token)
        return Response(
            412,
            _RUISHU_SHELL.encode("utf-8"),
            "text/html; charset=utf-8",
            headers={"Set-Cookie": f"{CHALLENGE_COOKIE}={token}; Path=/; HttpOnly"},
            validators=False,
        )

    def _record_markup(self, article: Article) -> str:
        d = article.document
        return (
            f"<li><a href=\"{article.path}\" title=\"{html.escape(d.title)}\" target=\"_blank\">{html.escape(d.title)}</a>"
            f"<span class=\"bt_time\">{d.published.isoformat()}</span></li>"
        )

    def _dataproxy(self, request: Request, articles: list[Article]) -> Response:
        if request.method != "POST" or request.form.get("columnid") != HANWEB_COLUMN:
            selected: list[Article] = []
            total = 0
        else:
            start = max(int(request.query.get("startrecord", "1")), 1)
            end = max(int(request.query.get("endrecord", str(start + 44))), start)
            selected = articles[start - 1 : end]
            total = len(articles)
        records = "".join(f"<record><![CDATA[{self._record_markup(a)}]]></record>\n" for a in selected)
        body = (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><nextgroup><![CDATA[<a href=\"{DATAPROXY_PATH}\">"
            f"</a>]]></nextgroup><recordset>\n{records}</recordset><totalrecord>{total}</totalrecord></datastore>"
        )
        return Response(200, body.encode("utf-8"), "text/xml; charset=UTF-8", validators=False)

    def _jpaas(self, request: Request, articles: list[Article]) -> Response:
        try:
            param = json.loads(request.query.get("paramJson", "{}"))
            page_no, page_size = int(param.get("pageNo", 1)), int(param.get("pageSize", 15))
        except (ValueError, TypeError, AttributeError):
            return Response(400, b'{"success": false, "message": "bad paramJson"}', "application/json", validators=False)
        if request.query.get("pageId") != HANWEB_COLUMN:
            selected: list[Article] = []
        else:
            selected = articles[(page_no - 1) * page_size : page_no * page_size]
        markup = "<ul>" + "".join(self._record_markup(a) for a in selected) + "</ul>"
        body = json.dumps({"success": True, "data": {"html": markup, "total": len(articles)}}, ensure_ascii=False)
        return Response(200, body.encode("utf-8"), "application/json;charset=UTF-8", validators=False)

    def _column_page(self, number: int, articles: list[Article]) -> Response:
        pages = max(1, -(-len(articles) // HANWEB_PAGE_SIZE))
        if number > pages:
            return _not_found()
        selected = articles[(number - 1) * HANWEB_PAGE_SIZE : number * HANWEB_PAGE_SIZE]
        items = "".join(self._record_markup(a) for a in selected)
        next_link = (
            f"<a class=\"next\" href=\"index_{number + 1}.html\">下一页</a>" if number < pages else ""
        )
        body = (
            "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">"
            "<title>规范性文件 杭州市人民政府</title></head><body>"
            f"<div class=\"default_pgContainer\"><ul>{items}</ul></div>"
            f"<div class=\"pager\">{next_link}</div></body></html>"
        )
        return Response(200, body.encode("gbk"), "text/html")


class GovcnSite:
    """The State Council policy library: a JSON search API and the ten metadata-table pages."""

    name = "govcn"

    def __init__(self) -> None:
        self.day = 1
        self.base_url = ""

    def pages(self) -> list[GovcnPage]:
        pages = list(govcn_pages())
        return pages[1:] if self.day >= 2 else pages

    @property
    def removed_path(self) -> str:
        return govcn_pages()[0].path

    @property
    def erroring_path(self) -> str:
        return govcn_pages()[1].path

    def respond(self, request: Request) -> Response:
        if request.path == GOVCN_SEARCH_PATH:
            return self._search(request)
        if self.day >= 2 and request.path == self.erroring_path:
            return Response(503, b"<html><body>Service Unavailable</body></html>", validators=False)
        for page in self.pages():
            if page.path == request.path:
                return Response(200, _govcn_article(page), "text/html; charset=utf-8", last_modified=_stamp(page.published))
        return _not_found()

    def _search(self, request: Request) -> Response:
        try:
            page_no = max(int(request.query.get("p", "1")), 1)
            size = max(int(request.query.get("n", "20")), 1)
        except ValueError:
            return Response(400, b'{"code": 400}', "application/json", validators=False)
        pages = self.pages() if request.query.get("t") == "zhengcelibrary_gw" else []
        hits = [
            {
                "url": self.base_url + page.path,
                "title": page.title,
                "pcode": page.doc_number,
                "pubtimeStr": page.published.strftime("%Y.%m.%d"),
            }
            for page in pages[(page_no - 1) * size : page_no * size]
        ]
        body = {"code": 200, "searchVO": {"catMap": {"gongwen": {"listVO": hits, "totalCount": len(pages)}}}}
        return Response(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8", validators=False)


class MinhangSite:
    """闵行区 信息公开 规范性文件: a plain paginated HTML listing, UTF-8 articles without a table."""

    name = "listing"
    _IDS = {"seed-002": "b68e0793-4ff7-4ad5-8d27-79928a5fb0eb", "mh_2024_3": "5d1c0a2e-7a41-4f0e-9a53-2c6f1f0d8b11"}

    def articles(self) -> list[Article]:
        documents = sorted([seed("002"), sample("mh_2024_3")], key=lambda d: d.published, reverse=True)
        return [Article(d, f"{MINHANG_DIR}/content/{self._IDS[d.key]}.htm", _stamp(d.published)) for d in documents]

    def respond(self, request: Request) -> Response:
        articles = self.articles()
        pages = max(1, -(-len(articles) // MINHANG_PAGE_SIZE))
        for number in range(1, pages + 1):
            name = "index.html" if number == 1 else f"index_{number}.html"
            if request.path == f"{MINHANG_DIR}/{name}":
                return self._listing(number, pages, articles)
        for article in articles:
            if article.path == request.path:
                return Response(200, _minhang_article(article.document), "text/html; charset=utf-8", last_modified=article.last_modified)
        return _not_found()

    def _listing(self, number: int, pages: int, articles: list[Article]) -> Response:
        selected = articles[(number - 1) * MINHANG_PAGE_SIZE : number * MINHANG_PAGE_SIZE]
        items = "".join(
            f"<li><a href=\"content/{quote(a.path.rsplit('/', 1)[1])}\" title=\"{html.escape(a.document.title)}\">"
            f"{html.escape(a.document.title)}</a><span class=\"date\">{a.document.published.isoformat()}</span></li>"
            for a in selected
        )
        next_link = f"<a class=\"next\" href=\"index_{number + 1}.html\">下一页</a>" if number < pages else ""
        body = (
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>规范性文件 闵行区人民政府</title></head><body>"
            "<nav><a href=\"/\">首页</a><a href=\"/mh-xxgk-cms/website/mh_xxgk/\">信息公开</a></nav>"
            f"<ul class=\"list\">{items}</ul><div class=\"page\">{next_link}</div></body></html>"
        )
        return Response(200, body.encode("utf-8"), "text/html; charset=utf-8")


def _hanweb_article(d: SampleDocument) -> bytes:
    page = f"""<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{html.escape(d.title)}</title>
<meta name="ArticleTitle" content="{html.escape(d.title)}">
<meta name="PubDate" content="{d.published.isoformat()} 10:00">
<meta name="ContentSource" content="{html.escape(d.issuer)}">
<meta name="ColumnName" content="规范性文件">
</head><body>
<div class="xxgk_table"><table>
<tr><td>索引号：</td><td>002489489/{d.issued.year}-{zlib.crc32(d.key.encode()) % 100000:05d}</td><td>组配分类：</td><td>规范性文件</td></tr>
<tr><td>发布机构：</td><td>{html.escape(d.issuer)}</td><td>成文日期：</td><td>{d.issued.isoformat()}</td></tr>
<tr><td>文件编号：</td><td>{html.escape(d.doc_number or "")}</td><td>有效性：</td><td>有效</td></tr>
<tr><td>发布日期：</td><td>{d.published.isoformat()}</td><td></td><td></td></tr>
</table></div>
<h1 class="title">{html.escape(d.title)}</h1>
<div id="zoom">
{d.body_html()}
</div>
</body></html>
"""
    return page.encode("gbk", errors="xmlcharrefreplace")


def _govcn_article(page: GovcnPage) -> bytes:
    stamp = page.published.strftime("%Y-%m-%d-10:00:00")
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(page.title)}_政府信息公开专栏</title>"
        f"<meta name=\"firstpublishedtime\" content=\"{stamp}\"><meta name=\"lastmodifiedtime\" content=\"{stamp}\">"
        f"</head><body>{page.fragment}</body></html>"
    ).encode("utf-8")


def _minhang_article(d: SampleDocument) -> bytes:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(d.title)}</title></head><body>
<div class="article"><h2 class="title">{html.escape(d.title)}</h2>
<div class="info">发布日期：{d.published.isoformat()}</div>
<div class="content">
{d.body_html()}
</div></div></body></html>
""".encode("utf-8")
