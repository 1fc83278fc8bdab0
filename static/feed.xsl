<?xml version="1.0" encoding="utf-8"?>
<!-- Shows feed.xml as a page when someone opens it in a browser: what a feed is, and the articles in it. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
  <xsl:template match="/atom:feed">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="atom:title"/>: updates feed</title>
        <link rel="stylesheet" href="static/style.css"/>
      </head>
      <body>
        <main id="main" class="wrap">
          <h1>Updates feed: <xsl:value-of select="atom:title"/></h1>
          <p class="lead">This is a feed. Copy its address into a feed reader to hear when our condition articles are reviewed or added. You do not need it to read the site.</p>
          <p><a href="{atom:link[not(@rel)]/@href}">Go to the website</a></p>
          <h2>Articles, most recently reviewed first</h2>
          <ul class="links">
            <xsl:for-each select="atom:entry">
              <li>
                <a href="{atom:link/@href}"><xsl:value-of select="atom:title"/></a>:
                <xsl:value-of select="atom:summary"/>
                (reviewed <xsl:value-of select="substring(atom:updated, 1, 10)"/>)
              </li>
            </xsl:for-each>
          </ul>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
